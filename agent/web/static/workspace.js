// nemo-chat workspace: draws the chat's session as it changes. One SSE stream from the chat
// process brings every new state; nothing here polls or reloads. Untrusted text (file names,
// replies) only ever goes into textContent, never into HTML.

const $ = (id) => document.getElementById(id);
let words = {};
let wordsLang = null;
let lastState = null;
let playing = null; // what the player holds: "preview:N" or "export:N" (N: when it came)

function w(key, values = {}) {
  let text = words[key] ?? key;
  for (const [name, value] of Object.entries(values)) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

async function loadWords(lang) {
  const reply = await fetch(`/api/words?lang=${encodeURIComponent(lang || "")}`, { credentials: "same-origin" });
  if (!reply.ok) return;
  const data = await reply.json();
  words = data.words;
  wordsLang = data.lang;
  document.documentElement.lang = { zh: "zh-CN", "zh-Hant": "zh-TW" }[wordsLang] || "en";
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = w(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = w(node.dataset.i18nPlaceholder);
  for (const node of document.querySelectorAll("[data-i18n-alt]")) node.alt = w(node.dataset.i18nAlt);
  document.title = w("web.title");
}

function seconds(ms) {
  const s = ms / 1000;
  if (s < 60) return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return `${m}:${String(rest).padStart(2, "0")}`;
}

function bytes(n) {
  if (n == null) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const pct = (x) => `${(x * 100).toFixed(4)}%`;

// -- the timeline ------------------------------------------------------------------------
function tickStep(totalMs, widthPx) {
  for (const s of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600]) {
    if ((s * 1000 / totalMs) * widthPx >= 64) return s * 1000;
  }
  return 600000;
}

function segmentNode(lane, seg, endMs, pxPerMs) {
  const node = el("div", `seg seg-${lane.kind}`);
  node.dataset.segment = seg.key;
  node.dataset.startMs = seg.start_ms;
  node.dataset.durationMs = seg.duration_ms;
  node.style.left = pct(seg.start_ms / endMs);
  node.style.width = pct(seg.duration_ms / endMs);
  node.tabIndex = 0;
  const details = [seg.label, `${seconds(seg.start_ms)}–${seconds(seg.start_ms + seg.duration_ms)}`];
  const px = seg.duration_ms * pxPerMs;
  if (lane.kind === "video") {
    if (px < 28) node.classList.add("tiny");
    if (seg.photo) {
      const img = el("img");
      img.alt = "";
      img.loading = "lazy";
      img.decoding = "async";
      img.src = `/thumb?k=${encodeURIComponent(seg.photo)}`;
      node.append(img);
    }
    node.append(el("span", "", seg.label));
  } else if (lane.kind === "audio") {
    node.append(el("span", "", seg.label));
    if (seg.volume_pct != null) {
      node.append(el("span", "vol", `${seg.volume_pct}%`));
      details.push(w("web.volume", { pct: seg.volume_pct }));
    }
    for (const [field, cls, key] of [["fade_in_ms", "fade-in", "web.fade_in"], ["fade_out_ms", "fade-out", "web.fade_out"]]) {
      const ms = seg[field];
      if (ms && seg.duration_ms) {
        const fade = el("div", `fade ${cls}`);
        fade.style.width = pct(Math.min(1, ms / seg.duration_ms));
        node.append(fade);
        details.push(w(key, { s: (ms / 1000).toFixed(1) }));
      }
    }
  } else {
    node.append(el("span", "", seg.label));
  }
  node.title = details.filter(Boolean).join(" · ");
  node.setAttribute("aria-label", node.title);
  return node;
}

function renderTimeline(view) {
  const lanes = $("lanes");
  const ruler = $("ruler");
  const inner = $("timeline-inner");
  const empty = !view || view.lanes.length === 0;
  $("timeline-empty").hidden = !empty;
  $("timeline-scroll").hidden = empty;
  if (empty) {
    lanes.replaceChildren();
    ruler.replaceChildren();
    $("duration").textContent = "";
    return;
  }
  const endMs = Math.max(view.end_ms, 1000);
  const labelW = parseFloat(getComputedStyle(document.documentElement).getPropertyValue("--label-w")) || 96;
  const visible = Math.max(200, $("timeline-scroll").clientWidth - labelW);
  // long timelines scroll: at least 6 px a second, so a 3-s photo stays visible
  const trackW = Math.max(visible, (endMs / 1000) * 6);
  inner.style.width = `${trackW + labelW}px`;
  const pxPerMs = trackW / endMs;

  const ticks = document.createDocumentFragment();
  const step = tickStep(endMs, trackW);
  for (let at = 0; at < endMs; at += step) {
    const tick = el("span", "tick", seconds(at));
    tick.style.left = pct(at / endMs);
    ticks.append(tick);
  }
  ruler.replaceChildren(ticks);

  const frag = document.createDocumentFragment();
  // the three lanes a person edits are always there, empty or not
  const lanesShown = [...view.lanes];
  for (const kind of ["video", "audio", "text"]) {
    if (!lanesShown.some((lane) => lane.kind === kind)) lanesShown.push({ kind, title: w(`web.track.${kind}`), segments: [] });
  }
  const order = { video: 0, audio: 1, text: 2 };
  lanesShown.sort((a, b) => (order[a.kind] ?? 3) - (order[b.kind] ?? 3));
  for (const lane of lanesShown) {
    const row = el("div", "lane");
    row.dataset.track = lane.kind;
    row.setAttribute("role", "group");
    row.setAttribute("aria-label", lane.title);
    const label = el("div", "lane-label", lane.title);
    const n = lane.segments.length;
    label.append(el("small", "", w(n === 1 ? "web.segments.one" : "web.segments", { n })));
    const track = el("div", "lane-track");
    for (const seg of lane.segments) track.append(segmentNode(lane, seg, endMs, pxPerMs));
    if (n === 0) track.append(el("span", "lane-empty", w(`web.lane_empty.${lane.kind}`)));
    row.append(label, track);
    frag.append(row);
  }
  lanes.replaceChildren(frag);
  $("duration").textContent = seconds(view.end_ms);
}

// -- the rest of the page ----------------------------------------------------------------
function renderMedia(view) {
  const list = $("media");
  const items = view ? view.media : [];
  $("no-media").hidden = items.length > 0;
  const frag = document.createDocumentFragment();
  for (const item of items) {
    const li = el("li");
    if (item.photo) {
      const img = el("img");
      img.alt = "";
      img.loading = "lazy";
      img.src = `/thumb?k=${encodeURIComponent(item.key)}`;
      li.append(img);
    } else {
      li.append(el("span", "noimg"));
    }
    const text = el("div", "text");
    text.append(el("div", "name", item.name));
    text.append(el("div", "info", [item.kind, item.pixels, bytes(item.size)].filter(Boolean).join(" · ")));
    li.append(text);
    frag.append(li);
  }
  list.replaceChildren(frag);
}

function renderFacts(view) {
  const credits = view && view.credits;
  $("credits").textContent = credits ? w("web.credits_available", { available: credits.available }) : w("web.unknown");
  $("credits-detail").textContent = credits ? w("web.credits_detail", credits) : "";
  $("canvas").textContent = (view && view.canvas) || w("web.unknown");
  const box = $("canvas-box");
  if (view && view.canvas_width && view.canvas_height) {
    const ratio = view.canvas_width / view.canvas_height;
    box.style.width = `${Math.round(ratio >= 1 ? 48 : 27 * ratio)}px`;
    box.style.height = `${Math.round(ratio >= 1 ? 48 / ratio : 27)}px`;
  }
  $("summary").textContent = view ? view.summary : "";
}

// The player plays whichever came last, the preview or the export; its contact sheet below.
function renderPlayer(state) {
  const video = $("player");
  const kind = state.player;
  const item = kind ? state[kind] : null;
  const shown = Boolean(item && item.url);
  $("no-export").hidden = shown;
  video.hidden = !shown;
  $("player-kind").hidden = !shown;
  $("sheet").hidden = !(shown && item.sheet);
  if (!shown) {
    $("export-name").textContent = "";
    return;
  }
  const id = `${kind}:${item.at}`;
  if (id !== playing) {
    playing = id;
    video.src = item.url;
    video.load();
  }
  const badge = $("player-kind");
  badge.dataset.kind = kind;
  if (kind === "preview") {
    badge.textContent = w(item.draft ? "web.player_preview" : "web.player_preview_full");
    $("export-name").textContent = item.duration ? w("web.preview_info", { s: seconds(item.duration * 1000) }) : "";
  } else {
    badge.textContent = w("web.player_export");
    $("export-name").textContent = w("web.latest_export", { name: `${item.name} (${bytes(item.size)})` });
  }
  const img = $("sheet-img");
  if (item.sheet && img.getAttribute("src") !== item.sheet) img.src = item.sheet;
}

async function onState(state) {
  const started = performance.now();
  lastState = state;
  const view = state.view;
  if (view && view.lang !== wordsLang) await loadWords(view.lang);
  renderTimeline(view);
  renderMedia(view);
  renderFacts(view);
  renderPlayer(state);
  void document.body.offsetHeight; // the layout too: the time a person waits for
  document.body.dataset.version = state.version;
  document.body.dataset.renderMs = (performance.now() - started).toFixed(1);
  document.body.dataset.updatedAt = String(Date.now());
}

function onActivity(activity) {
  const busy = $("busy");
  busy.textContent = activity.busy ? w("web.busy") : w("web.idle");
  busy.className = `pill ${activity.busy ? "pill-busy" : "pill-idle"}`;
  $("status").textContent = activity.status || "";
  for (const id of ["preview-btn", "export-btn"]) $(id).setAttribute("aria-busy", String(activity.busy));
  const log = $("log");
  const frag = document.createDocumentFragment();
  for (const line of activity.log) frag.append(el("li", line.who, line.text));
  const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.replaceChildren(frag);
  if (atEnd) log.scrollTop = log.scrollHeight;
  if (!activity.busy) $("queued").textContent = "";
}

async function post(path, body) {
  const reply = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  if (!reply.ok) return;
  const data = await reply.json();
  $("queued").textContent = data.queued ? w("web.queued") : "";
}

function connect() {
  const live = $("live");
  const stream = new EventSource("/events");
  stream.addEventListener("open", () => {
    live.textContent = w("web.connected");
    live.className = "pill pill-on";
  });
  stream.addEventListener("error", () => {
    live.textContent = w("web.disconnected");
    live.className = "pill pill-off";
  });
  stream.addEventListener("state", (e) => onState(JSON.parse(e.data)));
  stream.addEventListener("activity", (e) => onActivity(JSON.parse(e.data)));
}

let resizeTimer = null;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => lastState && renderTimeline(lastState.view), 120);
});

$("message-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = $("message");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  post("/api/message", { text });
});
$("preview-btn").addEventListener("click", () => post("/api/preview"));
$("export-btn").addEventListener("click", () => post("/api/export"));

await loadWords("");
connect();
