"""Views: what a person reads and sees (words, tables, charts, widgets).

Views turn the values of the analysis layer into words and pictures; nothing
below this layer imports them.
"""
