"""Meals: providers post offers of portions, shelters claim them.

models      MealOffer, MealClaim
selectors   current offers with what remains, a provider's own offers, claims by shelter
services    post and edit offers; claim and release portions (conditional UPDATEs)
forms       the offer form and the claim form
views       /meals/ (claim and release), /meals/new/, /meals/mine/, editing an offer
admin       offers with their claims, claims read-only
"""
