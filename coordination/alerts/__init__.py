"""Capacity alerts: rules raise Alert rows, channels deliver them (email, webhooks, in-app).

models      AlertRule (one row per kind, tuned in the admin), ShelterAlertThreshold, Alert,
            AlertDelivery, AlertSubscription, Webhook, MorningSummary
rules       the decisions (hysteresis included) as pure functions over figures
selectors   figures for the rules, recipients, open alerts, deliveries due
services    evaluate, raise, clear, acknowledge; claim, send and sweep deliveries
channels    email and signed webhook senders
tasks       thin Celery wrappers; receivers: the occupancy_changed listener
"""
