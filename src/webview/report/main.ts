import {
  isReportHostMessage,
  reportHostProblem,
  type ReportCheck,
  type ReportPanelMessage,
  type ReportUnit,
} from "../../shared/reportProtocol.js";
import { h } from "../dom.js";
import { CheckMaps } from "./heatmap.js";
import { fmtErr, fmtIndex, fmtNum, fmtShape } from "./format.js";
import { readTheme, type ThemeColours } from "./theme.js";

/**
 * The gradient-check report's webview: per unit its verdict, message and tolerance,
 * per checked input and parameter the diagnosis, the worst element and three heatmaps
 * (finite differences, your backward, difference; two, side by side, when your
 * backward has another shape than the input's). Every message is checked against
 * the protocol first. The panel does not retain its context while hidden: the last
 * report, which sections are open and the scroll position are kept in
 * `vscode.setState`, and the report is drawn from there until the extension sends it
 * again.
 */

interface ReportState {
  units: ReportUnit[] | null;
  /** sections whose open/closed state the user changed from the default, by key */
  open: Record<string, boolean>;
  scrollY: number;
}

const vscode = acquireVsCodeApi();
const state = loadState(vscode.getState());

function loadState(saved: unknown): ReportState {
  const s = (saved && typeof saved === "object" ? saved : {}) as Partial<Record<keyof ReportState, unknown>>;
  const open: Record<string, boolean> = {};
  if (s.open && typeof s.open === "object" && !Array.isArray(s.open)) {
    for (const [k, v] of Object.entries(s.open as object).slice(0, 10_000)) if (typeof v === "boolean") open[k] = v;
  }
  return {
    units: isReportHostMessage({ type: "report", units: s.units }) ? (s.units as ReportUnit[]) : null,
    open,
    scrollY: typeof s.scrollY === "number" && Number.isFinite(s.scrollY) ? s.scrollY : 0,
  };
}

let saveTimer: ReturnType<typeof setTimeout> | undefined;
function save() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => {
    try {
      vscode.setState(state);
    } catch (e) {
      console.warn(`GradLens check report: could not keep its state: ${(e as Error)?.message ?? e}`);
    }
  }, 100);
}

/** Numbers kept in the state at most: it is serialised on every save (a scroll, a toggle). */
const STATE_VALUES = 200_000;

/** The report as kept in the state: without the arrays' numbers when they are many (the extension sends them again when the page is shown). */
function forState(units: ReportUnit[]): ReportUnit[] {
  let n = 0;
  for (const u of units) for (const c of u.checks) n += c.values ? c.values.numeric.length + c.values.analytic.length : 0;
  if (n <= STATE_VALUES) return units;
  return units.map((u) => ({ ...u, checks: u.checks.map(({ values: _values, ...c }) => c) }));
}

function post(m: ReportPanelMessage) {
  vscode.postMessage(m);
}

// ---- theme and pixel density: the maps are redrawn when either changes ----------

let theme: ThemeColours | null = null;
const currentTheme = () => (theme ??= readTheme());
let liveMaps: CheckMaps[] = [];
const mapsOf = new WeakMap<Element, CheckMaps>();

const resizeObserver = new ResizeObserver((entries) => {
  for (const e of entries) mapsOf.get(e.target)?.layout(e.contentRect.width);
});
// Only maps on screen (or about to be) are drawn: a workspace's report may hold hundreds.
const visibilityObserver = new IntersectionObserver(
  (entries) => {
    for (const e of entries) mapsOf.get(e.target)?.setVisible(e.isIntersecting);
  },
  { rootMargin: "400px 0px" },
);

function redrawAll() {
  theme = null;
  for (const m of liveMaps) m.redraw();
}

// VS Code sets the theme's class on <body> and its variables on <html>.
const themeObserver = new MutationObserver(redrawAll);
themeObserver.observe(document.body, { attributes: true, attributeFilter: ["class"] });
themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ["style", "class"] });

function watchPixelDensity() {
  const mq = matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
  mq.addEventListener(
    "change",
    () => {
      redrawAll();
      watchPixelDensity();
    },
    { once: true },
  );
}
watchPixelDensity();

// ---- the page -------------------------------------------------------------------

const app = document.getElementById("app") ?? document.body.appendChild(h("div", { id: "app" }));
const counts = h("p", { class: "counts", id: "counts", role: "status" });
const hostError = h("div", { class: "host-error", id: "host-error", role: "alert" });
const content = h("div", { id: "report", class: "report" });
app.replaceChildren(h("header", { class: "report-head" }, h("h1", {}, "Gradient check report"), counts), hostError, content);

/** Units whose Re-check was pressed since the last report. */
const pending = new Set<string>();

const UNIT_STATUS: Record<ReportUnit["status"], [icon: string, word: string]> = {
  pass: ["✓", "passed"],
  fail: ["✗", "failed"],
  error: ["⚠", "error"],
  "needs-inputs": ["?", "needs inputs"],
  skipped: ["–", "skipped"],
};
const CHECK_STATUS: Record<ReportCheck["status"], [icon: string, word: string]> = {
  pass: ["✓", "passed"],
  fail: ["✗", "failed"],
  "not-checked": ["–", "not checked"],
};

const unitKey = (u: ReportUnit) => `${u.file}#${u.name}`;
const checkKey = (u: ReportUnit, c: ReportCheck) => `${unitKey(u)}#${c.wrt}#${c.status}`;

function statusBadge(status: string, [icon, word]: [string, string]): HTMLElement {
  return h("span", { class: `status status-${status}`, "data-status": status }, h("span", { class: "icon", "aria-hidden": "true" }, icon), ` ${word}`);
}

function basename(file: string): string {
  return file.split(/[\\/]/).pop() || file;
}

function lineLink(file: string, line: number, text: string, focusKey: string, title?: string): HTMLElement {
  return h(
    "a",
    {
      href: "#",
      class: "line-link",
      title: title ?? `Open ${file} at line ${line}`,
      "data-file": file,
      "data-line": line,
      "data-focus": focusKey,
      onClick: (e: Event) => {
        e.preventDefault();
        post({ type: "revealLine", file, line });
      },
    },
    text,
  );
}

function render(units: ReportUnit[] | null) {
  const focused = (document.activeElement as HTMLElement | null)?.dataset?.focus;
  const scrollY = window.scrollY;
  resizeObserver.disconnect();
  visibilityObserver.disconnect();
  liveMaps = [];
  if (!units) {
    counts.textContent = "";
    content.replaceChildren(h("p", { class: "empty muted" }, "Waiting for the report…"));
    return;
  }
  renderCounts(units);
  if (!units.length) {
    content.replaceChildren(
      h("p", { class: "empty" }, "No gradient checks to show. Run “GradLens: Check Gradients at Cursor”, “in File” or “in Workspace”, or the code lens above a unit."),
    );
    return;
  }
  content.replaceChildren(...units.map(renderUnit));
  if (focused) {
    const again = Array.from(content.querySelectorAll<HTMLElement>("[data-focus]")).find((e) => e.dataset.focus === focused);
    again?.focus({ preventScroll: true });
  }
  restoreScroll(scrollY);
}

/** Now and once the maps have their size (the ResizeObserver draws them before the next paint). */
function restoreScroll(y: number) {
  window.scrollTo(0, y);
  requestAnimationFrame(() => requestAnimationFrame(() => window.scrollTo(0, y)));
}

function renderCounts(units: ReportUnit[]) {
  const n = (s: ReportUnit["status"]) => units.filter((u) => u.status === s).length;
  const part = (s: ReportUnit["status"], word: string) =>
    h("span", { class: `count status-${s}`, "data-count": s }, h("span", { class: "icon", "aria-hidden": "true" }, UNIT_STATUS[s][0]), ` ${n(s)} ${word}`);
  const errors = n("error");
  counts.replaceChildren(
    h("span", { class: "total" }, `${units.length} unit${units.length === 1 ? "" : "s"}:`),
    part("pass", "passed"),
    part("fail", "failed"),
    part("error", errors === 1 ? "error" : "errors"),
    ...(n("needs-inputs") ? [part("needs-inputs", "need inputs")] : []),
    ...(n("skipped") ? [part("skipped", "skipped")] : []),
  );
}

function renderUnit(u: ReportUnit, index: number): HTMLElement {
  const key = unitKey(u);
  const headingId = `unit-${index}`;
  const recheck = h(
    "button",
    {
      class: "recheck",
      type: "button",
      "data-focus": `recheck:${key}`,
      title: `Check ${u.name} again`,
      "aria-busy": pending.has(key) ? "true" : undefined,
      onClick: () => {
        pending.add(key);
        recheck.textContent = "Re-checking…";
        recheck.setAttribute("aria-busy", "true");
        post({ type: "recheck", file: u.file, name: u.name });
      },
    },
    pending.has(key) ? "Re-checking…" : "Re-check",
  );
  const facts: string[] = [];
  if (u.tolerance) facts.push(`tolerance: atol ${fmtNum(u.tolerance.atol)} · rtol ${fmtNum(u.tolerance.rtol)} · eps ${fmtNum(u.tolerance.eps)}`);
  if (u.seconds !== undefined) facts.push(u.seconds < 0.1 ? `${Math.max(1, Math.round(u.seconds * 1000))} ms` : `${u.seconds < 10 ? Number(u.seconds.toFixed(2)) : Math.round(u.seconds)} s`);
  const checks = u.checks.map((c, i) => renderCheck(u, c, `${headingId}-c${i}`));
  return h(
    "section",
    { class: `unit status-${u.status}`, "data-status": u.status, "data-unit": u.name, "aria-labelledby": headingId },
    h(
      "header",
      { class: "unit-head" },
      statusBadge(u.status, UNIT_STATUS[u.status]),
      h("h2", { id: headingId, class: "unit-name" }, u.name),
      h("span", { class: "kind" }, u.kind),
      u.line >= 1 ? lineLink(u.file, u.line, `${basename(u.file)}:${u.line}`, `link:${key}`, `${u.file}:${u.line}`) : h("span", { class: "file", title: u.file }, basename(u.file)),
      h("span", { class: "spacer" }),
      recheck,
    ),
    u.message ? h("pre", { class: "message" }, u.message) : null,
    facts.length ? h("p", { class: "facts muted" }, facts.join(" · ")) : null,
    checks.length
      ? h("div", { class: "checks" }, ...checks)
      : h(
          "p",
          { class: "no-checks muted" },
          u.status === "error" ? "No gradient was checked: the unit could not be run (see above)." : u.status === "needs-inputs" ? "No gradient was checked: the unit needs inputs (see above)." : "No gradient was checked.",
        ),
  );
}

function diagnosisLabel(d: NonNullable<ReportCheck["diagnosis"]>): string {
  return d.factor !== undefined ? `${d.code} ×${fmtNum(d.factor)}` : d.code;
}

function renderCheck(u: ReportUnit, c: ReportCheck, id: string): HTMLElement {
  const key = checkKey(u, c);
  const byDefault = c.status === "fail";
  const open = state.open[key] ?? byDefault;
  const parts = [
    statusBadge(c.status, CHECK_STATUS[c.status]),
    h("code", { class: "wrt" }, c.wrt),
    h("span", { class: "role muted" }, c.role),
    h("span", { class: "shape" }, fmtShape(c.shape)),
    c.maxRelError !== null ? h("span", { class: "err" }, `max rel err ${fmtErr(c.maxRelError)}`) : null,
    c.diagnosis ? h("span", { class: "diag-label", "data-code": c.diagnosis.code }, diagnosisLabel(c.diagnosis)) : null,
  ].filter((p): p is HTMLElement => p !== null);
  // Spaces between the parts, so that the line reads (and copies) as words.
  const summary = h("summary", { "data-focus": `summary:${unitKey(u)}#${c.wrt}` }, ...parts.flatMap((p, i) => (i ? [" ", p] : [p])));
  const body = h("div", { class: "check-body" });
  const details = h("details", { class: `check status-${c.status}`, "data-wrt": c.wrt, "data-status": c.status, id, open }, summary, body);
  details.addEventListener("toggle", () => {
    if (details.open === byDefault) delete state.open[key];
    else state.open[key] = details.open;
    save();
  });

  if (c.diagnosis) {
    // The label is in the summary line above; here, what it means.
    body.append(h("p", { class: "diagnosis" }, h("span", { class: "detail" }, c.diagnosis.detail)));
  }
  if (c.note) body.append(h("p", { class: "note" }, c.status === "not-checked" ? `Not checked: ${c.note}` : c.note));
  if (c.worst) {
    body.append(
      h(
        "p",
        { class: "worst" },
        "Worst element ",
        h("code", { "data-field": "index" }, fmtIndex(c.worst.index)),
        ": finite differences ",
        h("span", { class: "value", "data-field": "numeric" }, fmtNum(c.worst.numeric)),
        ", your backward ",
        h("span", { class: "value", "data-field": "analytic" }, fmtNum(c.worst.analytic)),
        ".",
      ),
    );
  }
  const facts: (Node | string)[] = [];
  if (c.line !== undefined && c.line >= 1) facts.push("Computed at ", lineLink(u.file, c.line, `line ${c.line}`, `line:${unitKey(u)}#${c.wrt}`), ".");
  if (c.mode) facts.push(`${facts.length ? " " : ""}Checked in ${c.mode} mode.`);
  if (facts.length) body.append(h("p", { class: "facts muted" }, ...facts));

  const n = c.shape.reduce((a, b) => a * b, 1);
  if (c.values && n > 0) {
    const numbersKey = `${key}#numbers`;
    const maps = new CheckMaps(c, c.values, {
      id,
      theme: currentTheme,
      numbersOpen: state.open[numbersKey],
      onNumbersToggle: (isOpen) => {
        state.open[numbersKey] = isOpen;
        save();
      },
    });
    body.append(maps.element);
    liveMaps.push(maps);
    mapsOf.set(maps.element, maps);
    resizeObserver.observe(maps.element);
    visibilityObserver.observe(maps.element);
  } else {
    body.append(h("p", { class: "no-maps muted" }, noMapsReason(c, n)));
  }
  return details;
}

/**
 * Why a check has no maps: its array is empty, or its numbers did not come (a
 * backward of the wrong shape comes with its numbers too, in its own shape, and is
 * drawn beside the finite differences; only without them is the shape the reason).
 */
function noMapsReason(c: ReportCheck, n: number): string {
  if (n === 0) return "An empty array: nothing to draw.";
  if (c.status === "not-checked") return "No heatmaps: this gradient was not checked.";
  if (n > 4096) return `No heatmaps: ${n.toLocaleString("en")} elements, and the numbers come only for arrays of up to 4,096.`;
  if (c.diagnosis?.code === "wrong-shape")
    return "No heatmaps: your backward has the wrong shape, and its numbers did not come with this check (they come when both arrays have 1 to 4,096 elements).";
  return "No heatmaps: the numbers did not come with this check.";
}

// ---- messages --------------------------------------------------------------------

window.addEventListener("message", (e: MessageEvent) => {
  const msg: unknown = e.data;
  if (!isReportHostMessage(msg)) {
    console.warn(`GradLens check report: ignored a message that does not fit the protocol: ${reportHostProblem(msg)}`);
    return;
  }
  switch (msg.type) {
    case "report": {
      pending.clear();
      hostError.replaceChildren();
      state.units = forState(msg.units);
      pruneOpen(msg.units);
      save();
      render(msg.units);
      break;
    }
    case "error":
      hostError.replaceChildren(h("p", { class: "banner error" }, msg.message));
      break;
  }
});

/** Forgets the open/closed choices of sections no longer in the report. */
function pruneOpen(units: ReportUnit[]) {
  const keys = new Set<string>();
  for (const u of units)
    for (const c of u.checks) {
      keys.add(checkKey(u, c));
      keys.add(`${checkKey(u, c)}#numbers`);
    }
  for (const k of Object.keys(state.open)) if (!keys.has(k)) delete state.open[k];
}

window.addEventListener(
  "scroll",
  () => {
    state.scrollY = window.scrollY;
    save();
  },
  { passive: true },
);

render(state.units);
if (state.units) restoreScroll(state.scrollY);
post({ type: "ready" });
