"""Households arriving, the places held for them and their stays.

Their models are in coordination/models.py.
"""
