"""The ``kpikit`` command's help in Vietnamese (``--lang vi`` or ``KPIKIT_LANG=vi``).

Keyed by the English help text of each argument, sub-command and description; argparse's
own words (usage, options) are translated by :func:`argparse_words`.
"""

from __future__ import annotations

HELP_VI: dict[str, str] = {
    "Marketing KPIs, computed right.": "KPI marketing, tính cho đúng.",
    "show this help message and exit": "hiện trợ giúp này rồi thoát",
    "show program's version number and exit": "hiện phiên bản rồi thoát",
    "check an export and report every problem": "kiểm tra một tệp xuất và báo mọi lỗi",
    "list the KPI catalog": "liệt kê danh mục KPI",
    "compute KPIs by any grouping and period": "tính KPI theo nhóm và kỳ bất kỳ",
    "generate the sample data set": "tạo bộ dữ liệu mẫu",
    "suggest or check a KPI plan": "gợi ý hoặc kiểm tra một kế hoạch KPI",
    "judge a plan's KPIs against the data as of a date":
        "đánh giá các KPI của kế hoạch so với dữ liệu tại một ngày",
    "fit response curves and allocate a budget":
        "ước lượng đường cong phản hồi và phân bổ ngân sách",
    "run notebooks per campaign from a spec (YAML)":
        "chạy notebook cho từng chiến dịch theo một tệp đặc tả (YAML)",
    "run the demo batch on the bundled sample data": "chạy lô demo trên dữ liệu mẫu kèm theo",
    "serve the KPI basics lesson for a class (Voila)":
        "mở bài học KPI cơ bản cho một lớp (Voila)",
    "export file (CSV/TSV/XLSX/Parquet), or for compute a folder of canonical Parquet/CSV "
    "files": "tệp xuất (CSV/TSV/XLSX/Parquet), hoặc với compute là một thư mục các tệp "
             "Parquet/CSV chuẩn",
    "auto, google_ads, meta, ga4, tiktok or canonical (default: auto)":
        "auto, google_ads, meta, ga4, tiktok hoặc canonical (mặc định: auto)",
    "YAML or JSON file: {source header: canonical column}":
        "tệp YAML hoặc JSON: {tiêu đề trong tệp: cột chuẩn}",
    "ISO currency code when the file does not say (VND)":
        "mã tiền tệ ISO khi tệp không ghi (VND)",
    "channel for every row when the file has none": "kênh cho mọi dòng khi tệp không có cột kênh",
    "force the decimal separator": "ép dấu thập phân",
    "read 03/04/2026 as 3 April": "đọc 03/04/2026 là ngày 3 tháng 4",
    "read 03/04/2026 as 4 March": "đọc 03/04/2026 là ngày 4 tháng 3",
    "KPIs you will compute, e.g. ctr,cpa (checks their columns)":
        "các KPI bạn sẽ tính, ví dụ ctr,cpa (kiểm tra các cột của chúng)",
    "grouping you will use, e.g. campaign,month": "cách gộp bạn sẽ dùng, ví dụ campaign,month",
    "text (default), or json: every problem with its stable code "
    "(kpikit.errors.ProblemCode), exit code 0 when usable, 1 when not":
        "text (mặc định), hoặc json: mọi lỗi kèm mã ổn định (kpikit.errors.ProblemCode), "
        "mã thoát 0 khi dùng được, 1 khi không",
    "en or vi: language of the output and messages (default: $KPIKIT_LANG, else en)":
        "en hoặc vi: ngôn ngữ của kết quả và thông báo (mặc định: $KPIKIT_LANG, nếu không thì en)",
    "sales, leads, awareness, engagement, traffic, retention":
        "sales, leads, awareness, engagement, traffic, retention",
    "print JSON": "in JSON",
    "columns and a period word: campaign,channel,month (default: campaign)":
        "các cột và một từ chỉ kỳ: campaign,channel,month (mặc định: campaign)",
    "comma-separated KPI names (default: all computable)":
        "tên KPI cách nhau bởi dấu phẩy (mặc định: mọi KPI tính được)",
    "also write the aggregated measures": "ghi cả các số liệu đã gộp",
    "out.csv, out.xlsx or out.parquet (default: stdout)":
        "out.csv, out.xlsx hoặc out.parquet (mặc định: in ra màn hình)",
    "auto: DuckDB for canonical Parquet/CSV files and folders (any size, only the needed "
    "columns read), pandas for platform exports":
        "auto: DuckDB cho tệp và thư mục Parquet/CSV chuẩn (mọi kích thước, chỉ đọc các cột "
        "cần), pandas cho tệp xuất từ nền tảng",
    "suggest a starting plan from the data": "gợi ý một kế hoạch khởi đầu từ dữ liệu",
    "check a plan against the data": "kiểm tra một kế hoạch so với dữ liệu",
    "sales, leads, awareness, engagement, traffic or retention":
        "sales, leads, awareness, engagement, traffic hoặc retention",
    "campaign the plan is for (default: all)": "chiến dịch của kế hoạch (mặc định: tất cả)",
    "2027Q1, 2027-01, 2027 or 2027-01-01:2027-02-28 (default: the quarter after the data)":
        "2027Q1, 2027-01, 2027 hoặc 2027-01-01:2027-02-28 (mặc định: quý sau dữ liệu)",
    "how many KPIs (default 5)": "bao nhiêu KPI (mặc định 5)",
    "plan.yaml (default: stdout)": "plan.yaml (mặc định: in ra màn hình)",
    "plan YAML": "kế hoạch YAML",
    "last day of data to judge (yyyy-mm-dd)": "ngày dữ liệu cuối cùng để đánh giá (yyyy-mm-dd)",
    "campaign (default), 2027-01, 2027Q1 or a range":
        "campaign (mặc định), 2027-01, 2027Q1 hoặc một khoảng ngày",
    "narrow the plan to one campaign": "thu hẹp kế hoạch về một chiến dịch",
    "expected path to the target (default: seasonal)":
        "đường kỳ vọng đến chỉ tiêu (mặc định: seasonal)",
    "write results.json here": "ghi results.json vào đây",
    "spend per period to allocate (default: current)":
        "ngân sách mỗi kỳ để phân bổ (mặc định: mức hiện tại)",
    "outcome, CPA or ROAS target of the mode": "chỉ tiêu kết quả, CPA hoặc ROAS của chế độ",
    "YAML: channel: [min, max] per period": "YAML: kênh: [tối thiểu, tối đa] mỗi kỳ",
    "campaign whose channels are optimised": "chiến dịch có các kênh được tối ưu",
    "period of the curves": "kỳ của các đường cong",
    "write the result as JSON here": "ghi kết quả dạng JSON vào đây",
    "batch spec YAML": "tệp đặc tả lô (YAML)",
    "parallel runs (default: the cores)": "số lượt chạy song song (mặc định: số lõi)",
    "webhook (Slack, Teams) that gets one JSON message per new or resolved alert":
        "webhook (Slack, Teams) nhận một tin JSON cho mỗi cảnh báo mới hoặc đã khắc phục",
    "exit with code 3 when an alert of this severity or worse is active":
        "thoát với mã 3 khi còn cảnh báo ở mức này hoặc nặng hơn",
    "rerun complete runs too": "chạy lại cả các lượt đã xong",
    "stop a run that takes longer (default: the spec's timeout, else 1800); the run is "
    "marked failed with the cell that hung":
        "dừng lượt chạy nào lâu hơn (mặc định: timeout trong tệp đặc tả, nếu không thì "
        "1800); lượt đó được ghi là lỗi, kèm ô bị treo",
    "if another batch is running on the output folder, wait this long for it (default: "
    "refuse at once, naming it)":
        "nếu một lô khác đang chạy trên thư mục đầu ra, đợi nó tối đa chừng này giây (mặc "
        "định: từ chối ngay và cho biết lô đó)",
    "local processes (default) or a Dask distributed cluster":
        "tiến trình cục bộ (mặc định) hoặc một cụm Dask phân tán",
    "Dask scheduler address, e.g. tcp://10.0.0.5:8786":
        "địa chỉ bộ lập lịch Dask, ví dụ tcp://10.0.0.5:8786",
    "en or vi: language of the output and messages (default: $KPIKIT_LANG, else en); "
    "default for batch: the spec's lang":
        "en hoặc vi: ngôn ngữ của kết quả và thông báo (mặc định: $KPIKIT_LANG, nếu không "
        "thì en); với batch mặc định là lang của tệp đặc tả",
    "where the reports go": "nơi lưu các báo cáo",
    "only print the KPI table": "chỉ in bảng KPI",
    "local port (default 8866)": "cổng cục bộ (mặc định 8866)",
    "do not open a browser": "không mở trình duyệt",
}

#: argparse's own words (it asks gettext for them)
ARGPARSE_VI: dict[str, str] = {
    "usage: ": "cách dùng: ",
    "positional arguments": "tham số vị trí",
    "options": "tùy chọn",
    "the following arguments are required: %s": "thiếu các tham số bắt buộc: %s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "lựa chọn không hợp lệ: %(value)r (chọn trong %(choices)s)",
    "unrecognized arguments: %s": "tham số không nhận ra: %s",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "expected one argument": "cần một giá trị",
    "invalid %(type)s value: %(value)r": "giá trị %(type)s không hợp lệ: %(value)r",
}
