"""Logging in through the real login form, as a volunteer or coordinator does on a phone."""

from tests.factories import PASSWORD


def log_in(page, url: str, username: str, next_path: str) -> None:
    page.goto(f"{url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{next_path}")
