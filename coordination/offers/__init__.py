"""Residents offer a room or a flat: the public offer form, coordinators' checks, hosts' links.

models      HostOffer (a resident's pledge, its checks and decision), HostLink (the host's own
            link, stored hashed), HostLinkUse (every use of a link), FollowUpCall
selectors   the coordinators' list, figures for the dashboard and the public page, what a
            host sees, follow-up calls due, households on their way to a suspended host
services    submit (one open offer per phone), the check steps, approve (a shelter with one
            space), reject, suspend; issue, revoke and open a host link; the host's counts
            and arrivals through the shelter and stay services; purge; the unchecked alert
forms       the public offer form, the coordinators' reject and follow-up forms
views       /offer/ (public), /dashboard/offers/ (coordinators), /host/<token>/ (the host)
"""
