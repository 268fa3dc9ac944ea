"""The course in a real browser: JupyterLab 4 in headless Chromium, driven through Playwright.

One JupyterLab server (started the way the README says, `jupyter lab START_HERE.ipynb`, in a
temporary copy of the course, on a free loopback port with a random token) and one browser
serve the whole session. The tests:

- open the start page through the file the server writes for the browser, and follow a link;
- open every solution notebook, run all its cells from the Run menu as a learner would, and
  check that every cell ran, none shows an error, the plots appeared, the widgets rendered as
  DOM elements, and that the playground's Step button changes its loss curve;
- check that nbgrader's JupyterLab interface is there and works (Validate, the menu, the
  formgrader, the Create Assignment panel).

The lesson screenshot for the README is written to a temporary folder on every run, and to
`docs/img/lesson-widgets.png` when `UPDATE_SCREENSHOTS=1` is set.

Needs Debian's `chromium` (or `BACKPROP_CHROMIUM=/path/to/chromium`) and the `playwright`
package (requirements-dev.txt); no `playwright install` is needed. Without them the tests are
skipped with the reason, or fail when `CI` is set.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from backprop.course import startpage
from tests.conftest import ROOT

CHROMIUM = os.environ.get("BACKPROP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
NOTEBOOKS = sorted(p for p in (ROOT / "solutions").glob("*/*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
SCREENSHOT = ROOT / "docs" / "img" / "lesson-widgets.png"
RUN_TIMEOUT = 180  # seconds for Run All on one notebook (each runs in < 15 s outside a browser)

# The visible notebook (JupyterLab keeps hidden tabs in the DOM with .lm-mod-hidden).
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
# A call of one of the package's widget builders in a code cell: an explorer or the playground.
WIDGET_CALL = re.compile(r"^\s*(?:\w+\s*=\s*)?(\w+_explorer|playground)\(", re.MULTILINE)


# --- Is a browser available? -------------------------------------------------------------

def browser_missing(chromium: str = CHROMIUM) -> str | None:
    """Return why the browser tests can't run here, or None when they can."""
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (python -m pip install -r requirements-dev.txt)"
    if not (os.path.isfile(chromium) and os.access(chromium, os.X_OK)):
        return (f"no Chromium at {chromium} (sudo apt-get install chromium, or set "
                "BACKPROP_CHROMIUM to its path)")
    return None


def require_browser(reason: str | None, ci: bool) -> None:
    """Skip with the reason when the browser is missing; fail instead in CI."""
    if reason is None:
        return
    if ci:
        pytest.fail(f"CI is set, but the browser tests can't run: {reason}")
    pytest.skip(reason)


def test_a_missing_browser_skips_outside_ci_and_fails_in_ci():
    reason = browser_missing("/nonexistent/chromium")
    assert reason is not None and "/nonexistent/chromium" in reason
    with pytest.raises(pytest.skip.Exception, match="nonexistent"):
        require_browser(reason, ci=False)
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        require_browser(reason, ci=True)
    require_browser(None, ci=True)  # nothing missing: runs


# --- The server ---------------------------------------------------------------------------

class Lab:
    """A JupyterLab server of our own, in a temporary copy of the course."""

    def __init__(self, tmp: Path) -> None:
        self.course = tmp / "course"
        self.course.mkdir()
        for name in ("solutions", "lessons"):
            shutil.copytree(ROOT / name, self.course / name,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        for name in (startpage.FILENAME, "nbgrader_config.py"):
            shutil.copy2(ROOT / name, self.course / name)
        # Jupyter's per-user folders, empty and private: no settings or workspace of the
        # machine's user leak in, and the news pop-up is switched off.
        self.env = dict(os.environ)
        for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                         ("JUPYTER_RUNTIME_DIR", "runtime"),
                         ("JUPYTERLAB_SETTINGS_DIR", "lab-settings"),
                         ("JUPYTERLAB_WORKSPACES_DIR", "lab-workspaces")):
            (tmp / sub).mkdir()
            self.env[var] = str(tmp / sub)
        self.env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + self.env["PATH"]
        news = tmp / "lab-settings" / "@jupyterlab" / "apputils-extension"
        news.mkdir(parents=True)
        (news / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        self.runtime = tmp / "runtime"
        self.log_path = tmp / "jupyter.log"
        self.token = secrets.token_hex(24)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [
            sys.executable, "-m", "jupyterlab", startpage.FILENAME,  # as the README says
            "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
            args.append("--allow-root")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(args, cwd=self.course, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def api(self, path: str, method: str = "GET") -> object:
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n"
                                   f"{self.log()}")
            try:
                self.api("status")
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError(f"jupyter lab did not answer within {timeout} s:\n{self.log()}")

    def kernel_of(self, path: str) -> str | None:
        """The id of the kernel of the notebook at `path` (relative to the course), if any."""
        for session in self.api("sessions"):
            if session.get("path") == path and session.get("kernel"):
                return session["kernel"]["id"]
        return None

    def shut_down_kernels(self) -> None:
        """End every session, so that only one notebook's kernel uses the CPU at a time."""
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")

    def stop(self) -> None:
        """Stop the server by its own PID; it shuts down its kernels on SIGTERM."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    require_browser(browser_missing(), ci=bool(os.environ.get("CI")))
    server = Lab(tmp_path_factory.mktemp("lab"))
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def page(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            # The tests run beside others on every core: wait for what a page shows, however
            # slowly it comes, rather than assume a speed.
            page.set_default_timeout(90_000)
            yield page
        finally:
            browser.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


# --- Driving JupyterLab -------------------------------------------------------------------

def open_in_lab(page, lab: Lab, path: str) -> None:
    """Open a notebook in a fresh workspace (only its tab), and wait for an idle kernel."""
    page.goto(f"{lab.url}/lab/tree/{path}?reset&token={lab.token}")
    wait_for_kernel(page)


def wait_for_kernel(page, timeout: float = 90) -> None:
    """Wait until the notebook's kernel is idle, with no dialog up, for a second in a row."""
    deadline = time.monotonic() + timeout
    idle = f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']"
    calm = 0
    while time.monotonic() < deadline:
        dismiss_popups(page)
        quiet = page.locator(idle).count() and not page.locator(".jp-Dialog").count()
        calm = calm + 1 if quiet else 0
        if calm >= 4:
            return
        time.sleep(0.3)
    raise AssertionError(f"the notebook's kernel was not idle within {timeout} s")


def dismiss_popups(page) -> None:
    """Accept a dialog (e.g. kernel selection) and close toasts (e.g. the news question)."""
    for button in page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").all():
        if button.is_visible():
            button.click()
    for close in page.locator(".Toastify__toast .jp-Notification-Toast-Close").all():
        if close.is_visible():
            close.click()


def menu(page, *labels: str) -> None:
    """Click through the main menu, e.g. menu(page, "Run", "Run All Cells")."""
    page.locator("#jp-MainMenu").get_by_role("menuitem", name=labels[0], exact=True).click()
    for label in labels[1:]:  # by the label alone: an item's name also holds its shortcut
        page.locator(f".lm-Menu .lm-Menu-item:has(.lm-Menu-itemLabel:text-is('{label}'))"
                     ).first.click()


PROMPTS_JS = f"""() => Array.from(document.querySelectorAll(
    "{PANEL} .jp-CodeCell .jp-InputPrompt")).map(e => e.textContent.trim())"""


def run_all(page, lab: Lab, timeout: float = RUN_TIMEOUT) -> list[str]:
    """Run ▸ Run All Cells, then wait until no cell is queued or running; return the prompts."""
    menu(page, "Run", "Run All Cells")
    clicked = time.monotonic()
    deadline = clicked + timeout
    settled = 0
    while time.monotonic() < deadline:
        time.sleep(0.5)
        dismiss_popups(page)
        prompts = page.evaluate(PROMPTS_JS)
        busy = any("*" in p for p in prompts)
        idle = page.locator(
            f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']").count() > 0
        started = any(re.fullmatch(r"\[\d+\]:", p) for p in prompts)
        if not (started or busy) and time.monotonic() - clicked > 45:
            # Nothing queued at all: the click came before the notebook was ready. Again.
            menu(page, "Run", "Run All Cells")
            clicked = time.monotonic()
        # Done when the kernel has been idle, with nothing queued, for three looks in a row
        # (a cell that raised leaves the rest un-run, which the caller reports).
        settled = settled + 1 if (started and idle and not busy) else 0
        if settled >= 3:
            return prompts
    raise AssertionError(f"Run All Cells did not finish within {timeout} s; prompts: "
                         f"{page.evaluate(PROMPTS_JS)}\nserver log:\n{lab.log()[-1500:]}")


def save(page) -> None:
    menu(page, "File", "Save Notebook")
    page.wait_for_selector(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current:not(.jp-mod-dirty)")


ERRORS_JS = f"""() => Array.from(document.querySelectorAll(
    "{PANEL} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"))
    .map(e => e.textContent)
    .filter(t => /Traceback \\(most recent call last\\)|^\\w*Error: /m.test(t))"""
IMAGES_JS = f"""() => Array.from(document.querySelectorAll("{PANEL} .jp-OutputArea-output img"))
    .map(img => [img.complete, img.naturalWidth])"""


def widget_calls(nb) -> list[str]:
    return [m.group(1) for cell in nb.cells if cell.cell_type == "code"
            for m in WIDGET_CALL.finditer(cell.source)]


def hint_cells(nb) -> int:
    return sum(cell.source.strip().startswith("hints(") for cell in nb.cells
               if cell.cell_type == "code")


def plot_cells(nb) -> int:
    return sum("plt.show()" in cell.source for cell in nb.cells if cell.cell_type == "code")


def screenshot_lesson() -> str | None:
    """The lesson shown in the README: the first with the playground, else lesson 5's explorer."""
    with_widgets = {p.stem: widget_calls(nbformat.read(p, as_version=4)) for p in NOTEBOOKS}
    for stem, calls in with_widgets.items():
        if "playground" in calls:
            return stem
    if with_widgets.get("05_momentum"):
        return "05_momentum"
    return next((stem for stem, calls in with_widgets.items() if calls), None)


SCREENSHOT_LESSON = screenshot_lesson()


# --- The tests ----------------------------------------------------------------------------

@pytest.mark.slow
def test_start_page_opens_and_links_every_lesson_in_order(lab, page):
    # What the learner's browser opens after `jupyter lab START_HERE.ipynb`: the server's
    # redirect file, which carries the token.
    opener = next(lab.runtime.glob("jpserver-file-to-run-*-open.html"))
    page.goto(opener.as_uri())
    page.wait_for_url(f"**/lab/tree/{startpage.FILENAME}*", timeout=30_000)
    page.wait_for_selector(f"{PANEL} .jp-MarkdownOutput h1", timeout=60_000)
    dismiss_popups(page)
    headers = startpage.read_headers(lab.course)
    expected = [h.link for h in headers]
    table = page.locator(f"{PANEL} .jp-MarkdownOutput table a")
    hrefs = [href.split("?")[0] for href in table.evaluate_all("els => els.map(a => a.href)")]
    assert [h.split("/files/", 1)[-1] for h in hrefs] == expected
    # The table names each lesson. (The per-lesson sections further down are not counted
    # here: JupyterLab may not render cells below the fold until they are scrolled to.)
    shown = table.all_text_contents()
    assert all(h.title in text for h, text in zip(headers, shown, strict=True)), shown
    # A click opens the lesson in a new tab of the same JupyterLab.
    last = expected[-1]
    table.last.click()
    page.wait_for_selector(f"{PANEL} .jp-MarkdownOutput h1", timeout=60_000)
    tabs = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current").all_text_contents()
    assert Path(last).name in " ".join(tabs)
    assert startpage.FILENAME in " ".join(
        page.locator(".lm-DockPanel-tabBar .lm-TabBar-tabLabel").all_text_contents())
    lab.shut_down_kernels()


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_solution_notebook_runs_in_jupyterlab(lab, page, screenshot_dir, notebook):
    relpath = notebook.relative_to(ROOT).as_posix()
    nb = nbformat.read(lab.course / relpath, as_version=4)  # the copy the server serves
    lab.shut_down_kernels()
    open_in_lab(page, lab, relpath)
    started = time.monotonic()
    kernel = lab.kernel_of(relpath)
    prompts = run_all(page, lab)
    if lab.kernel_of(relpath) != kernel:
        # JupyterLab switched kernels while the cells ran (under load, a late kernel dialog
        # that dismiss_popups accepted): the run was split over two kernels. Run them all
        # again, in the kernel the notebook has now; a notebook's own error still fails.
        print(f"{notebook.stem}: the kernel changed during Run All; running it again")
        kernel = lab.kernel_of(relpath)
        prompts = run_all(page, lab)
        assert lab.kernel_of(relpath) == kernel, "the kernel changed during Run All, twice"
    seconds = time.monotonic() - started

    # Every code cell ran in one kernel, top to bottom (a kernel that restarted midway would
    # show as NameErrors below: say so first), and none shows an error.
    counts = [int(p[1:-2]) for p in prompts if re.fullmatch(r"\[\d+\]:", p)]
    assert counts == sorted(counts), (f"the kernel restarted during Run All: {prompts}\n"
                                      f"server log:\n{lab.log()[-2500:]}")
    shown = page.evaluate(ERRORS_JS)
    assert not shown, ("a cell shows an error:\n" + "\n\n".join(t[-1500:] for t in shown)
                       + f"\nserver log:\n{lab.log()[-2500:]}")
    unrun = [i for i, p in enumerate(prompts) if not re.fullmatch(r"\[\d+\]:", p)]
    assert not unrun, (f"code cells {unrun} (counted from 0) did not run: {prompts}\n"
                       f"server log:\n{lab.log()[-1500:]}")
    save(page)
    saved = nbformat.read(lab.course / relpath, as_version=4)
    errors = [f"{o.ename}: {o.evalue}" for c in saved.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    assert len(prompts) == sum(c.cell_type == "code" for c in nb.cells)

    # The plots appeared, as images that loaded.
    images = page.evaluate(IMAGES_JS)
    assert len(images) >= plot_cells(nb), (
        f"{len(images)} images for {plot_cells(nb)} plotting cells")
    assert all(done and width > 0 for done, width in images), images

    # The widgets rendered as DOM elements: their controls are there, none failed.
    calls = widget_calls(nb)
    panel = page.locator(PANEL)
    outputs = " ".join(panel.locator(".jp-OutputArea-output").all_text_contents())
    assert "Error displaying widget" not in outputs
    if calls:
        controls = panel.locator(".jupyter-widgets.widget-slider, .jupyter-widgets.widget-button,"
                                 " .jupyter-widgets.widget-dropdown")
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:  # widgets render after their cell's output arrives: wait for the last one
            controls.nth(len(calls) - 1).wait_for(state="attached", timeout=60_000)
        except PlaywrightTimeout:
            pass  # the assertion below says what is missing
        assert controls.count() >= len(calls), f"{controls.count()} controls for {calls}"
        assert panel.locator(".jupyter-widgets.widget-slider").first.is_visible() or \
            panel.locator(".jupyter-widgets.widget-button").first.is_visible()

    # The playground: Step trains a frame and redraws the loss curve.
    if "playground" in calls:
        step = panel.locator(".bp-playground-step").first
        plot = panel.locator("img.bp-playground-plot, .bp-playground-plot img").first
        status = panel.locator(".bp-playground-status").first
        step.scroll_into_view_if_needed()
        plot.wait_for(state="visible")
        before = (plot.get_attribute("src"), status.text_content())
        step.click()
        page.wait_for_function(
            """([img, st, before]) => img.getAttribute("src") !== before[0]
                                      && st.textContent !== before[1]""",
            arg=[plot.element_handle(), status.element_handle(), list(before)],
            timeout=30_000,
        )
        assert "rror" not in status.text_content(), status.text_content()

    # The hint ladders render folded: only "Hint 1" shows, and opening it shows the next.
    if hint_cells(nb):
        ladder = panel.locator(".bp-hints").first
        ladder.wait_for(state="attached", timeout=60_000)
        ladder.scroll_into_view_if_needed()
        assert panel.locator(".bp-hints details[open]").count() == 0
        first = ladder.locator("details[data-level='1'] > summary")
        second = ladder.locator("details[data-level='2'] > summary")
        assert first.is_visible() and "Hint 1" in first.text_content()
        if second.count():
            assert not second.is_visible()
            first.click()
            second.wait_for(state="visible", timeout=10_000)

    # nbgrader's Validate button sits on the notebook's toolbar.
    assert panel.locator(".jp-Toolbar .validate-button").is_visible()

    if notebook.stem == SCREENSHOT_LESSON:
        take_screenshot(page, screenshot_dir)
    print(f"{notebook.stem}: Run All took {seconds:.1f} s in the browser")
    lab.shut_down_kernels()


def take_screenshot(page, folder: Path) -> None:
    """The lesson's playground or explorer, scrolled to the top of the window, as a PNG."""
    panel = page.locator(PANEL)
    target = panel.locator(".jp-CodeCell:has(.bp-playground)")
    if not target.count():
        target = panel.locator(".jp-CodeCell:has(.jupyter-widgets.widget-slider)")
    # More room for the lesson: fold the file browser away (a click on its open tab).
    page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").first.click()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.mouse.move(0, 0)
    time.sleep(0.5)
    target.first.evaluate("cell => cell.scrollIntoView({block: 'start'})")
    time.sleep(0.5)
    path = folder / SCREENSHOT.name
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SCREENSHOT)


@pytest.mark.slow
def test_nbgrader_interface_is_present_and_validates(lab, page):
    lesson = NOTEBOOKS[0].stem
    lab.shut_down_kernels()
    open_in_lab(page, lab, f"lessons/{lesson}/{lesson}.ipynb")
    # The Nbgrader menu, with the learner's and the instructor's entries.
    page.locator("#jp-MainMenu").get_by_role("menuitem", name="Nbgrader", exact=True).click()
    entries = page.locator(".lm-Menu .lm-Menu-itemLabel").all_text_contents()
    page.keyboard.press("Escape")
    for entry in ("Assignment List", "Formgrader", "Create assignment"):
        assert entry in entries, entries
    # Validate on the learner's untouched lesson: nbgrader runs it and lists the failing
    # checks, with the course's own message.
    panel = page.locator(PANEL)
    panel.locator(".jp-Toolbar .validate-button").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=120_000)
    text = dialog.inner_text()
    assert "Validation Results" in text and "not written yet" in text, text[:1000]
    dialog.locator(".jp-Dialog-button").last.click()
    # The instructor's side: the Create Assignment panel in the right sidebar ...
    page.locator(".jp-SideBar.jp-mod-right .lm-TabBar-tab",
                 has_text="Create Assignment").click()
    page.locator(".nbgrader-CreateAssignmentWidget").first.wait_for(state="visible")
    # ... and the formgrader, which reads the course's nbgrader_config.py: it lists the
    # lessons of solutions/.
    menu(page, "Nbgrader", "Formgrader")
    frame = page.frame_locator("iframe[src*='formgrader']")
    frame.get_by_text(lesson, exact=True).first.wait_for(timeout=60_000)
    lab.shut_down_kernels()
