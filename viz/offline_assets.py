"""Put the page assets Solara would fetch from a CDN at run time into its local cache, from the npm registry.

Solara serves `/_solara/cdn/<package>@<version>/...` from `<venv>/share/solara/cdn/` and, when a file is
missing, fetches it from a public CDN; with no internet the page stays blank. This reads which packages the
installed solara asks for (its page template and its Vega-Lite widget), `npm pack`s each one and unpacks it
into that cache. Idempotent: packages already there are skipped. `python -m viz.offline_assets` (the set-up
runs it); `compute-market app` refuses to start while any is missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path


def wanted_packages() -> list[str]:
    """npm specs (as they appear in the URLs) the installed solara loads through its CDN proxy."""
    import solara
    import solara.server.settings

    root = Path(solara.__file__).parent
    sources = [root / "server" / "templates" / "solara.html.j2", *sorted((root / "widgets" / "vue").glob("*.vue")),
               *sorted((root / "components").glob("*.py")), *sorted((root / "components").glob("*.vue"))]
    pattern = re.compile(r"(?:\{\{cdn\}\}|getCdn\(\)\})/((?:@[\w.-]+/)?[\w.-]+@[\w.+-]+)/")
    specs = {spec for path in sources for spec in pattern.findall(path.read_text())}
    specs.add(solara.server.settings.assets.fontawesome_path.strip("/").split("/")[0])
    vuetify_major = int(metadata.version("ipyvuetify").split(".")[0])
    if vuetify_major < 3:  # the Vue 3 app is only used with ipyvuetify 3
        specs = {s for s in specs if "vuetify3" not in s}
    return sorted(specs)


def cache_dir() -> Path:
    import solara.server.settings

    return Path(solara.server.settings.assets.proxy_cache_dir)


def install(spec: str, target: Path, npm: str) -> None:
    with tempfile.TemporaryDirectory() as work:
        result = subprocess.run([npm, "pack", spec, "--silent", "--pack-destination", work], capture_output=True,
                                text=True, timeout=600)
        archives = list(Path(work).glob("*.tgz"))
        if result.returncode != 0 or not archives:
            raise SystemExit(f"error: npm pack {spec} failed: {result.stderr.strip() or result.stdout.strip()}")
        staging = Path(work) / "unpacked"
        with tarfile.open(archives[0]) as archive:
            archive.extractall(staging, filter="data")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(staging / "package"), target)


def missing_packages() -> list[str]:
    cache = cache_dir()
    return [spec for spec in wanted_packages() if not (cache / spec / "package.json").exists()]


def read_only_path(base_cache_dir, path: str) -> Path:
    """The cached file behind `/_solara/cdn/<path>`, or FileNotFoundError: never a fetch, never a change.

    Solara's own lookup (`solara.server.cdn_helper.get_path`) deletes a cached *folder* that a request names, so one
    unauthenticated GET of `/_solara/cdn/<package>@<version>` removed that package's offline assets for every
    visitor, and it fetches missing files from a public CDN; the served page uses this instead (`serve_read_only`).
    """
    from solara.server.utils import path_is_child_of

    parts = path.replace("\\", "/").split("/")
    store_path = Path(path) / "__main.js" if len(parts) == 1 else Path(path)
    cached = Path(base_cache_dir) / store_path
    if not path_is_child_of(cached, Path(base_cache_dir)) or not cached.is_file():
        raise FileNotFoundError(path)
    return cached


def serve_read_only() -> None:
    """Make the running Solara server serve its CDN cache read-only (`read_only_path`)."""
    import solara.server.starlette

    solara.server.starlette.get_path = read_only_path


def main() -> None:
    cache = cache_dir()
    missing = missing_packages()
    if not missing:
        print(f"solara page assets: all in {cache}")
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("error: the Solara page needs these npm packages offline: " + ", ".join(missing)
                 + ". Install Node.js with npm (e.g. apt-get install nodejs npm) and run make again.")
    for spec in missing:
        install(spec, cache / spec, npm)
        print(f"solara page assets: {spec} -> {cache / spec}")


if __name__ == "__main__":
    main()
