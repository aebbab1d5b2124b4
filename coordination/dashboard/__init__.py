"""The coordinators' dashboard: the whole city at a glance, actions and exports.

selectors.py reads the figures, exports.py builds the CSV files, services.py records exports,
forms.py cleans the actions; the pages are in coordination/views/dashboard.py.
"""
