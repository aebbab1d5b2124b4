"""Capacity alerts: rules raise Alert rows, channels deliver them (email, webhooks, in-app).

models      AlertRule (one row per kind, tuned in the admin), ShelterAlertThreshold, Alert,
            AlertDelivery
recipients  AlertSubscription, Webhook, MorningSummary
rules       the decisions (hysteresis included) as pure functions over figures; which
            places are small (flats, private homes: grouped per city and hour)
texts       what an alert says, written from its kind and figures in the reader's language
selectors   figures for the rules, recipients, open alerts, the morning summary
services    evaluate the rules; raise, clear and acknowledge alerts
delivery    create, claim, send, retry and sweep deliveries; the morning summary
channels    email and signed webhook senders
tasks       thin Celery wrappers; receivers: the occupancy_changed listener
views       /alerts/ for coordinators; admin: rules, alerts, deliveries, subscriptions
"""
