"""`manage.py trim_bootstrap`: rebuild static/vendor/bootstrap/bootstrap.min.css from upstream
Bootstrap, keeping only the rules whose classes appear in what renders our pages.

Run it after using a Bootstrap class no page used before (static/vendor/bootstrap/README.md).
Needs Node.js and npm: it installs the pinned `bootstrap` and `purgecss` from the npm registry
into a temporary folder, runs PurgeCSS over the project's templates, its Python code (forms
and widgets set classes), static/js and the crispy-forms templates our forms render, and
writes the result. The full upstream file is never shipped: pages load only the trimmed one.
"""

import importlib.util
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import django
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

BOOTSTRAP = "bootstrap@5.3.9"
PURGECSS = "purgecss@8.0.0"
OUTPUT = Path("static") / "vendor" / "bootstrap" / "bootstrap.min.css"

# Classes no file spells out whole: put together in a template (`alert-{{ message.tags }}`),
# or state classes that scripts and validation add (Bootstrap's and the browser's). Regular
# expressions, as PurgeCSS reads them in its JavaScript config.
SAFELIST_PATTERNS = [r"^alert-"]
SAFELIST = [
    *("show", "showing", "hiding", "collapse", "collapsing", "fade", "active", "disabled"),
    *("is-invalid", "is-valid", "was-validated"),
]


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise CommandError(f"{name} is not installed: run `uv sync` first.")
    return Path(next(iter(spec.submodule_search_locations)))


def content_files() -> list[str]:
    """Every file that may name a CSS class a page uses (Django's admin has its own CSS)."""
    root = Path(settings.BASE_DIR)
    django_forms = Path(django.__file__).parent / "forms" / "templates"
    sources = [
        *(root / "templates").rglob("*.html"),
        *(root / "coordination").rglob("*.py"),
        *(root / "shelter").rglob("*.py"),
        *(root / "static" / "js").rglob("*.js"),
        *django_forms.rglob("*.html"),
    ]
    for package in ("crispy_forms", "crispy_bootstrap5"):
        folder = _package_dir(package)
        sources += [*folder.rglob("*.py"), *folder.rglob("*.html")]
    admin, migrations = root / "templates" / "admin", "migrations"
    return sorted(
        str(path) for path in sources if admin not in path.parents and migrations not in path.parts
    )


def _config(css: Path) -> str:
    patterns = ", ".join(f"/{pattern}/" for pattern in SAFELIST_PATTERNS)
    return (
        "module.exports = {\n"
        f"  css: [{json.dumps(str(css))}],\n"
        f"  content: {json.dumps(content_files(), indent=2)},\n"
        f"  safelist: {{ standard: [...{json.dumps(SAFELIST)}, {patterns}] }},\n"
        # Custom properties, keyframes and font faces are kept: cheap, and referenced in ways
        # PurgeCSS cannot follow (var() chains across rules).
        "  variables: false, keyframes: false, fontFace: false,\n"
        "};\n"
    )


class Command(BaseCommand):
    help = "Rebuild the trimmed Bootstrap CSS (needs Node.js and npm)."

    def handle(self, *args, **options):
        npm = shutil.which("npm")
        if npm is None:
            raise CommandError("npm not found: install Node.js (apt-get install -y nodejs npm).")
        with tempfile.TemporaryDirectory(prefix="trim-bootstrap-") as folder:
            work = Path(folder)
            quiet = ["--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--silent"]
            subprocess.run(  # noqa: S603 (fixed arguments, pinned packages)
                [npm, "install", "--prefix", str(work), *quiet, BOOTSTRAP, PURGECSS], check=True
            )
            upstream = work / "node_modules" / "bootstrap" / "dist" / "css" / "bootstrap.min.css"
            config = work / "purgecss.config.cjs"
            config.write_text(_config(upstream))
            out = work / "out"
            purgecss = work / "node_modules" / ".bin" / "purgecss"
            subprocess.run(  # noqa: S603
                [str(purgecss), "--config", str(config), "--output", str(out)], check=True
            )
            trimmed = (out / "bootstrap.min.css").read_text()
            size_before = upstream.stat().st_size
        # The source map is not shipped, and WhiteNoise's manifest storage refuses references
        # to missing files.
        trimmed = re.sub(r"\s*/\*# sourceMappingURL=[^*]*\*/\s*$", "", trimmed)
        note = "/*! Trimmed to the classes this project uses: manage.py trim_bootstrap. */"
        charset = '@charset "UTF-8";'
        trimmed = charset + note + trimmed.removeprefix(charset)
        target = Path(settings.BASE_DIR) / OUTPUT
        target.write_text(trimmed.rstrip() + "\n")
        self.stdout.write(
            f"{OUTPUT}: {len(trimmed.encode()):,} bytes (upstream {size_before:,}), "
            f"{BOOTSTRAP} trimmed by {PURGECSS}."
        )
