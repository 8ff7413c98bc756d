"""The Dash app: pages, the app shell (navbar, toast), and the media routes for photos and faces.

`/export/faces.csv` (`export.URL`) downloads every face with its photo, person and attributes (`dashapp.export`).
Media routes take ids, never paths: `/media/face/<id>.jpg`, `/media/photo/<id>/<thumb|large>.jpg` and a
search's `/media/find/<job id>/query.jpg`, `.../also/<i>.jpg`, `.../frame/<video>/<sample>.jpg` and
`.../video/<i>` (an uploaded video, played from a moment) look the file up in the store, so only files of the library can ever be served. Photos are sent as upright, resized JPEGs
(cached in the data dir), so face boxes line up and HEIC photos display.
"""

from __future__ import annotations

import errno
import hashlib
import io
import logging
import mimetypes
import socket
import threading
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask import Response, abort, redirect, send_file
from PIL import Image
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import BaseConverter, ValidationError

from dashapp import export
from dashapp.ui_context import library, use_library
from dashapp.uploads import MAX_UPLOAD_BYTES
from dashapp.url_ids import parse_id

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
PAGES_DIR = Path(__file__).resolve().parent / "pages"
ASSETS_DIR = ROOT / "assets"

PHOTO_SIZES = {"thumb": 360, "large": 1600}
FACE_SIZE = 112
NAV_PAGES = (("People", "/"), ("Photos", "/photos"), ("Find a person", "/find"), ("Map", "/map"),
             ("Attributes", "/attributes"), ("Library", "/library"))

_resize_lock = threading.Lock()


def navbar() -> dbc.Navbar:
    """The top bar: logo and app name, page links, and the live ingest badge. On a narrow screen (a phone) the links
    fold behind a menu button: listed one under the other, they took a third of the screen, and the bar stays on
    top while scrolling."""
    links = [dbc.NavItem(dbc.NavLink(label, href=href, active="exact", id=f"nav-{label.split()[0].lower()}"))
             for label, href in NAV_PAGES]
    return dbc.Navbar(
        dbc.Container(
            [
                dcc.Link(
                    html.Div(
                        [html.Img(src=dash.get_asset_url("logo.svg"), height="30px", alt=""),
                         dbc.NavbarBrand("Face Album", className="ms-2")],
                        className="d-flex align-items-center",
                    ),
                    href="/",
                    className="text-decoration-none",
                ),
                # Last on a wide screen; on a phone beside the menu button, so a running job shows with the menu shut.
                html.Div(id="nav-job", className="small ms-auto me-2 order-md-last"),
                dbc.NavbarToggler(id="nav-toggler", n_clicks=0),
                dbc.Collapse(dbc.Nav(links, navbar=True, className="me-auto ms-md-3"), id="nav-collapse",
                             navbar=True, is_open=False),
            ],
            fluid="xxl",
        ),
        color="dark",
        dark=True,
        sticky="top",
        className="mb-0 shadow-sm",
    )


def shell() -> html.Div:
    """The layout around every page."""
    return html.Div(
        [
            # The first Tab stop, shown only when focused: past the navbar's links, into the page.
            html.A("Skip to the page", href="#page", className="visually-hidden-focusable skip-link"),
            navbar(),
            # The page's own content is the main landmark: the skip link and screen readers find it. Focusable by
            # script (and the skip link) only.
            html.Main(dbc.Container(dash.page_container, fluid="xxl", className="pt-3 pb-5 mb-5"), id="page",
                      tabIndex=-1),
            dbc.Toast(
                id="app-toast",
                header="",
                is_open=False,
                dismissable=True,  # and it closes 7 s after its newest message (assets/toast.js)
                icon="success",
                className="app-toast",
            ),
            dcc.Interval(id="nav-poll", interval=2500),
        ]
    )


# --- media routes ---


def _library_file(path: str | None) -> Path:
    """An existing file recorded in the library's store, else 404."""
    if not path or not Path(path).is_file():
        abort(404)
    return Path(path)


def _jpeg(img: Image.Image, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def _send(data_or_path: bytes | Path) -> Response:
    """A JPEG the browser keeps but checks again at each use (`no-cache` with an ETag: a 304 when unchanged).

    Media URLs carry only ids, and a photo edited in place keeps its id (and its faces theirs): a long max-age
    would show the old picture under the new face boxes. A changed photo or face crop is served from a new
    cache or thumbnail file, so its ETag changes with it.
    """
    if isinstance(data_or_path, Path):
        resp = send_file(data_or_path, mimetype="image/jpeg", conditional=True)
    else:
        etag = hashlib.sha256(data_or_path).hexdigest()[:32]
        resp = send_file(io.BytesIO(data_or_path), mimetype="image/jpeg", etag=etag, conditional=True)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def face_image(face_id: int) -> Response:
    """The face thumbnail made by ingest; cut from the photo if it is missing."""
    lib = library()
    thumb = lib.queries.face_thumb(face_id)
    if thumb:
        root = lib.config.thumbs_dir.resolve()
        candidate = (lib.data_dir / thumb).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return _send(candidate)
        if not candidate.is_relative_to(root):  # a tampered path is ignored, never served
            log.warning("refused thumbnail path outside %s: %s", root, thumb)
    source = lib.queries.face_source(face_id)
    if source is None:
        abort(404)
    path, (x, y, w, h) = source
    from model.imaging import ImageLoadError, load_image  # lightweight: Pillow + numpy only

    try:
        img = Image.fromarray(load_image(_library_file(path)))
    except ImageLoadError:
        abort(404)
    margin = 0.25 * max(w, h)
    crop = img.crop((int(x - margin), int(y - margin), int(x + w + margin), int(y + h + margin)))
    crop.thumbnail((FACE_SIZE, FACE_SIZE))
    return _send(_jpeg(crop))


def photo_image(photo_id: int, size: str) -> Response:
    """A library photo, upright and resized, from a cache in the data dir."""
    if size not in PHOTO_SIZES:
        abort(404)
    lib = library()
    source = _library_file(lib.queries.photo_file(photo_id))
    stat = source.stat()
    cache = lib.data_dir / "cache" / "photos" / f"{photo_id}-{size}-{stat.st_mtime_ns}-{stat.st_size}.jpg"
    if not cache.exists():
        from model.imaging import ImageLoadError, load_image_reduced

        with _resize_lock:  # two requests for one photo do the work once
            if not cache.exists():
                try:  # a large JPEG decoded at a fraction of its size: 2-3x faster, as sharp once resized
                    img = Image.fromarray(load_image_reduced(source, PHOTO_SIZES[size])[0])
                except ImageLoadError:
                    abort(404)
                img.thumbnail((PHOTO_SIZES[size], PHOTO_SIZES[size]))
                cache.parent.mkdir(parents=True, exist_ok=True)
                tmp = cache.with_suffix(".tmp")
                tmp.write_bytes(_jpeg(img))
                tmp.replace(cache)
    return _send(cache)


def _find_path(job_id: int, key: str, index: int | None = None) -> Path:
    """A path recorded in a "find a person" job's arguments (`args[key]`, or `args[key][index]` of a list),
    inside the library's finds folder, else 404."""
    lib = library()
    job = lib.store.jobs.get(job_id)
    value = job.args.get(key) if job is not None and job.kind == "find" else None
    if index is not None:
        value = value[index] if isinstance(value, list) and 0 <= index < len(value) else None
    if not isinstance(value, str):
        abort(404)
    path = Path(value).resolve()
    if not path.is_relative_to(lib.config.finds_dir.resolve()):  # a search run from the CLI on the user's own file
        abort(404)
    return path


def _find_photo_view(source: Path) -> Response:
    """A photo given to a search, upright and resized (cached beside it as `<name>-view.jpg`)."""
    source = _library_file(str(source))
    cache = source.with_name(f"{source.stem}-view.jpg")
    if not cache.exists():
        from model.imaging import ImageLoadError, load_image_reduced

        with _resize_lock:
            if not cache.exists():
                try:
                    img = Image.fromarray(load_image_reduced(source, PHOTO_SIZES["large"])[0])
                except ImageLoadError:
                    abort(404)
                img.thumbnail((PHOTO_SIZES["large"], PHOTO_SIZES["large"]))
                tmp = cache.with_suffix(".tmp")
                tmp.write_bytes(_jpeg(img))
                tmp.replace(cache)
    return _send(cache)


def find_query_image(job_id: int) -> Response:
    """The query photo of a search started from the page."""
    return _find_photo_view(_find_path(job_id, "query"))


def find_also_image(job_id: int, index: int) -> Response:
    """One of the more photos of the person given with the query."""
    return _find_photo_view(_find_path(job_id, "also", index))


def find_frame_image(job_id: int, video: int, sample: int) -> Response:
    """A video frame thumbnail saved by a search (`v<video>-<sample>.jpg` in its result folder)."""
    return _send(_library_file(str(_find_path(job_id, "out") / f"v{video}-{sample}.jpg")))


def find_video(job_id: int, video: int) -> Response:
    """A video uploaded for a search, for the page's player: sent in the ranges the player asks for (it seeks to a
    moment without loading what comes before)."""
    path = _library_file(str(_find_path(job_id, "videos", video)))
    resp = send_file(path, mimetype=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                     conditional=True)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def faces_export() -> Response:
    """Every face of the library as CSV (`dashapp.export`), streamed as a download."""
    resp = Response(export.faces_csv(library().store), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="{export.FILENAME}"'
    resp.headers["Cache-Control"] = "no-store"  # always the library as it is now
    return resp


class IdConverter(BaseConverter):
    """`<id:name>` in a route: an id as `url_ids.parse_id` reads it; anything else matches no route (a 404)."""

    regex = r"[0-9]+"

    def to_python(self, value: str) -> int:
        parsed = parse_id(value)
        if parsed is None:  # e.g. beyond SQLite's INTEGER: the next rule (a plain 404) answers
            raise ValidationError()
        return parsed

    def to_url(self, value: int) -> str:
        return str(int(value))


def _register_routes(server) -> None:
    server.url_map.converters["id"] = IdConverter
    server.add_url_rule("/media/face/<id:face_id>.jpg", "face_image", face_image)
    server.add_url_rule("/media/photo/<id:photo_id>/<size>.jpg", "photo_image", photo_image)
    server.add_url_rule("/media/find/<id:job_id>/query.jpg", "find_query_image", find_query_image)
    server.add_url_rule("/media/find/<id:job_id>/also/<id:index>.jpg", "find_also_image", find_also_image)
    server.add_url_rule("/media/find/<id:job_id>/frame/<id:video>/<id:sample>.jpg", "find_frame_image",
                        find_frame_image)
    server.add_url_rule("/media/find/<id:job_id>/video/<id:video>", "find_video", find_video)
    server.add_url_rule(export.URL, "faces_export", faces_export)
    # Anything else under /media is a plain 404 (not the app's page shell): ids only, never paths.
    server.add_url_rule("/media/<path:_rest>", "media_not_found", lambda _rest: abort(404))
    # People is the home page; its name as a path is what users type. (Dash's `redirect_from` would
    # reach only the first app of a process.)
    server.add_url_rule("/people", "people_page", lambda: redirect("/"))


def create_app(data_dir: str | Path | None = None) -> dash.Dash:
    """The dashboard for the library at `data_dir` (default: $FACEALBUM_DATA_DIR or the per-user folder)."""
    from callbacks.common import callback_failed

    lib = use_library(data_dir)
    # Load the faces' attributes and embeddings (caches) in the background, so the first visit of the
    # Attributes or Map page, or the first face to sort, does not wait for them.
    threading.Thread(target=lib.queries.warm_caches, name="warm-caches", daemon=True).start()
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(ASSETS_DIR),
        title="Face Album",
        update_title=None,
        suppress_callback_exceptions=True,  # page components appear only when their page is shown
        serve_locally=True,
        on_error=callback_failed,  # an error in a callback is told on the page, not only in the server's log
        # Dash's messages go through the program's logging, as every module's: its own extra handler on stdout
        # printed each of them twice.
        add_log_handler=False,
    )
    app.layout = shell
    # The page's language, for screen readers' pronunciation (Dash's page template has no lang).
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    # base64 uploads are ~4/3 of the file; a little more for the JSON around them.
    app.server.config["MAX_CONTENT_LENGTH"] = int(MAX_UPLOAD_BYTES * 1.4) + (1 << 20)
    app.server.register_error_handler(RequestEntityTooLarge, _too_large)

    @app.server.after_request
    def _not_in_frames(response):  # no other site may show the dashboard in a frame (clickjacking)
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'self'")
        return response

    _register_routes(app.server)
    _attach_callbacks(app)
    return app


TOO_LARGE = (f"Too large to upload: at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB can be uploaded at a time, so "
             "nothing was uploaded. Upload fewer files at a time, or add the folder they are in on the Library page.")


def _too_large(_error: RequestEntityTooLarge) -> Response:
    """The answer to a request past MAX_CONTENT_LENGTH, in words. (The Library and Find pages measure a drop before
    sending it, assets/uploads.js, so this is what any other client, or a drop a page let through, is told.)"""
    return Response(TOO_LARGE, status=413, mimetype="text/plain")


_callbacks: tuple[dict, list] | None = None


def _attach_callbacks(app: dash.Dash) -> None:
    """Give this app every `@dash.callback` of the `callbacks` package.

    Dash hands module-level callbacks to the first app of the process that serves a request; tests
    and tools create several apps in one process, so each app gets its own copy of the full set.
    (Uses Dash 4's registries; Dash is pinned in requirements.txt.)
    """
    global _callbacks
    from dash import _callback as registry

    import callbacks  # noqa: F401 - importing registers every @dash.callback

    if _callbacks is None:
        _callbacks = (dict(registry.GLOBAL_CALLBACK_MAP), list(registry.GLOBAL_CALLBACK_LIST))
    registry.GLOBAL_CALLBACK_MAP.clear()
    registry.GLOBAL_CALLBACK_LIST.clear()
    app.callback_map.update(_callbacks[0])
    app._callback_list.extend(_callbacks[1])


LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def local_only(server) -> None:
    """Answer only requests addressed to this machine by name (Host: localhost or 127.0.0.1).

    Served on localhost, the dashboard is still reachable by a web page the user opens elsewhere whose own name
    is made to point at 127.0.0.1 (DNS rebinding): its requests carry that page's name as Host, so refusing
    other names keeps the library's photos, faces and names on this machine."""
    from flask import request

    @server.before_request
    def _refuse_other_names():
        if _host_name(request.host) not in LOCAL_HOSTS:
            abort(403)


def _host_name(host: str) -> str:
    """The name of a Host header, without its port: "localhost:8050" -> "localhost", "[::1]:8050" -> "::1"."""
    if host.startswith("["):
        return host[1:host.find("]")]
    return host.rsplit(":", 1)[0]


def check_port(host: str, port: int) -> None:
    """ValueError (the CLI's one-line error) when the dashboard cannot listen on `host`:`port`, e.g. another program
    or another Face Album holds the port.

    Werkzeug finds out only once Dash has printed that it is running on that URL, then exits with a few lines of its
    own; so the port is tried here first, bound as Werkzeug binds it (its address family and address, and
    SO_REUSEADDR: a port a stopped server left in TIME_WAIT is free)."""
    from werkzeug.serving import get_sockaddr, select_address_family

    family = select_address_family(host, port)
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(get_sockaddr(host, port, family))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ValueError(f"port {port} is already in use (another program, or Face Album already running): "
                             "stop it, or serve on another port with --port") from None
        raise ValueError(f"cannot serve on {host} port {port}: {exc.strerror or exc}") from None


def serve(host: str = "127.0.0.1", port: int = 8050, data_dir: str | Path | None = None, debug: bool = False,
          log_requests: bool = False) -> None:
    """Run the dashboard (binds to localhost unless `host` says otherwise; on localhost, only for this machine).
    A port that cannot be used is refused before the library is opened or a URL is printed.

    It says one line, where it is and which library it shows. (`Dash.run` would add Dash's "Dash is running on",
    Flask's and Werkzeug's banners and a line per request, every 2.5 s with the navbar's poll: the URL scrolled out
    of sight.) `--debug` runs Dash's own server instead, with its reloader and dev tools and their lines.
    """
    from werkzeug.serving import is_running_from_reloader, make_server

    reloaded = is_running_from_reloader()  # --debug's reloaded process serves on the port its parent already holds
    if not reloaded:
        check_port(host, port)
    app = create_app(data_dir)
    if host in LOCAL_HOSTS:
        local_only(app.server)
    url_host = f"[{host}]" if ":" in host else host
    banner = f"Face Album is running on http://{url_host}:{port}/ with the library {library().data_dir} (Ctrl+C stops it)"
    if debug:
        if not reloaded:  # once, not again in the reloaded process
            print(banner, flush=True)
        app.run(host=host, port=port, debug=True)
        return
    if not log_requests:  # Werkzeug's line per request; errors are still told
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server(host, port, app.server, threaded=True)  # as Flask's `run`, without its banners
    print(banner, flush=True)
    server.serve_forever()  # returns on Ctrl+C
