// The studio page: character counter, tabs, fetch-submit, status polling, history search and delete.
import { Player } from "./player.js";
import { watch } from "./waveform.js";

const studio = document.querySelector("[data-studio]");
const player = new Player(document.querySelector("[data-player]"));
const history = studio.querySelector("[data-history]");
const form = studio.querySelector("[data-generate-form]");
const formStatus = form.querySelector("[data-form-status]");
const csrf = () => form.querySelector("input[name=csrfmiddlewaretoken]").value;

function say(message, kind = "info") {
  if (!formStatus) return;
  formStatus.textContent = message;
  formStatus.dataset.kind = kind;
  formStatus.setAttribute("role", kind === "error" ? "alert" : "status");
}

let credits = null;
function setCredits(value) {
  if (value === undefined || value === null) return;
  credits = value;
  for (const badge of document.querySelectorAll("[data-credits]")) badge.textContent = value.toLocaleString("en-US");
  const cost = Number(studio.dataset.cost);
  const button = form.querySelector("[data-generate]");
  if (value < cost) {
    button.disabled = true;
    say(`You need ${cost} credits for a clip and have ${value}.`, "error");
  }
}

// -- character counter -----------------------------------------------------------------
for (const field of form.querySelectorAll("[data-counted]")) {
  const counter = form.querySelector(`#${field.getAttribute("aria-describedby").split(" ")[0]}`);
  const update = () => {
    const max = Number(counter.dataset.max);
    counter.querySelector("[data-count]").textContent = field.value.length;
    counter.classList.toggle("counter-full", field.value.length >= max);
  };
  field.addEventListener("input", update);
  update();
}

// -- upload preview ---------------------------------------------------------------------
const fileInput = form.querySelector("input[type=file]");
if (fileInput) {
  const info = form.querySelector("[data-file-info]");
  const preview = form.querySelector("[data-file-preview]");
  const zone = form.querySelector("[data-dropzone]");
  fileInput.addEventListener("change", () => {
    const file = fileInput.files[0];
    if (!file) { info.textContent = ""; preview.hidden = true; return; }
    info.textContent = `${file.name} · ${(file.size / 1024 / 1024).toFixed(1)} MB`;
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
    preview.addEventListener("loadedmetadata", () => {
      if (Number.isFinite(preview.duration)) info.textContent += ` · ${preview.duration.toFixed(1)} s`;
    }, { once: true });
  });
  for (const name of ["dragenter", "dragover"]) zone.addEventListener(name, () => zone.classList.add("dropzone-active"));
  for (const name of ["dragleave", "drop"]) zone.addEventListener(name, () => zone.classList.remove("dropzone-active"));
}

// -- tabs -------------------------------------------------------------------------------
const tabs = studio.querySelector("[data-tabs]");
function showTab(name) {
  for (const tab of tabs.querySelectorAll("[data-tab]")) {
    const on = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
  }
  for (const panel of studio.querySelectorAll("[data-panel]")) panel.hidden = panel.dataset.panel !== name;
  sessionStorage.setItem(`studio-tab-${studio.dataset.service}`, name);
}
tabs.hidden = false;
studio.classList.add("has-tabs");
tabs.addEventListener("click", (event) => {
  const tab = event.target.closest("[data-tab]");
  if (tab) showTab(tab.dataset.tab);
});
tabs.addEventListener("keydown", (event) => {
  if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
  const next = tabs.querySelector("[aria-selected=false]");
  showTab(next.dataset.tab);
  next.focus();
});
showTab(sessionStorage.getItem(`studio-tab-${studio.dataset.service}`) || (history.querySelector("[data-clip]") ? "history" : "settings"));

// -- voice previews: a small Audio element of their own, not the play bar ---------------
const preview = { audio: new Audio(), button: null };
function previewStopped() {
  const button = preview.button;
  if (!button) return;
  preview.button = null;
  button.classList.remove("voice-preview-playing");
  button.innerHTML = button.dataset.idleHtml;
  button.setAttribute("aria-label", button.dataset.idleLabel);
}
for (const name of ["pause", "ended"]) {
  preview.audio.addEventListener(name, () => { if (preview.audio.paused) previewStopped(); });
}
preview.audio.addEventListener("error", previewStopped);
player.audio.addEventListener("play", () => preview.audio.pause());
studio.addEventListener("click", (event) => {
  const button = event.target.closest("[data-voice-preview]");
  if (!button) return;
  event.preventDefault();
  const again = preview.button === button;
  preview.audio.pause();
  previewStopped();
  if (again) return;  // a second click stops it
  player.audio.pause();
  button.dataset.idleHtml ??= button.innerHTML;
  button.dataset.idleLabel ??= button.getAttribute("aria-label");
  button.classList.add("voice-preview-playing");
  button.innerHTML = '■<span aria-hidden="true"> Stop</span>';
  button.setAttribute("aria-label", `Stop the preview of ${button.dataset.idleLabel.replace(/^Preview /, "")}`);
  preview.button = button;
  preview.audio.src = button.href;
  preview.audio.play().catch(() => { if (preview.button === button) previewStopped(); });
});

// -- history rows -----------------------------------------------------------------------
function rowUrl(id) {
  return `${studio.dataset.pageUrl}?partial=row&clip=${encodeURIComponent(id)}`;
}

async function replaceRow(id) {
  const response = await fetch(rowUrl(id), { credentials: "same-origin" });
  if (!response.ok) return null;
  const old = document.getElementById(`clip-${id}`);
  if (!old) return null;
  old.insertAdjacentHTML("afterend", await response.text());
  old.remove();
  const row = document.getElementById(`clip-${id}`);
  watch(row);
  return row;
}

function addRow(html) {
  studio.querySelector("[data-history-empty]")?.remove();
  let list = history.querySelector(".history-list");
  const firstDay = history.querySelector(".history-day");
  if (!list || !firstDay || firstDay.textContent.trim() !== "Today") {
    history.insertAdjacentHTML("afterbegin", '<h3 class="history-day">Today</h3><ul class="history-list" role="list"></ul>');
    list = history.querySelector(".history-list");
  }
  list.insertAdjacentHTML("afterbegin", html);
}

function playRow(row, autoplay = true) {
  const link = row?.querySelector("[data-play]");
  if (link) player.load({ src: link.dataset.src, title: link.dataset.title, download: link.dataset.download }, { autoplay });
}

function poll(id, delay = 600) {
  const url = studio.dataset.statusUrl.replace("CLIP_ID", encodeURIComponent(id));
  setTimeout(async () => {
    let status;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.status === 404) return;  // deleted
      if (!response.ok) throw new Error(`status ${response.status}`);  // 503 while a dependency is down: ask again
      status = await response.json();
    } catch {
      poll(id, Math.min(delay * 2, 5000));
      return;
    }
    setCredits(status.credits);
    if (status.status === "pending") {
      const state = document.querySelector(`#clip-${CSS.escape(id)} [data-clip-state]`);
      if (state && status.started) state.textContent = "Generating…";
      poll(id, Math.min(delay * 1.3, 3000));
      return;
    }
    const row = await replaceRow(id);
    if (status.status === "done") {
      say("Your clip is ready.");
      playRow(row);
    } else {
      say(`The generation failed: ${status.error || "no reason given"}. Your credits were returned.`, "error");
    }
  }, delay);
}

// -- submitting -------------------------------------------------------------------------
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = form.querySelector("[data-generate]");
  button.disabled = true;
  say("Sending…");
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf() },
    });
    const payload = await response.json().catch(() => ({ error: `The server answered ${response.status}.` }));
    if (!response.ok) {
      say(payload.error || "Something went wrong.", "error");
      return;
    }
    setCredits(payload.credits);
    addRow(payload.row_html);
    showTab("history");
    say(payload.message);
    poll(payload.id);
  } catch {
    say("Could not reach the server. Check your connection and try again.", "error");
  } finally {
    if (credits === null || credits >= Number(studio.dataset.cost)) button.disabled = false;
  }
});

// -- clicks inside the history: play, delete, paging ------------------------------------
history.addEventListener("click", (event) => {
  const play = event.target.closest("[data-play]");
  if (play) {
    event.preventDefault();
    playRow(play.closest("[data-clip]"));
    return;
  }
  const page = event.target.closest("[data-history-page]");
  if (page) {
    event.preventDefault();
    loadHistory(new URL(page.href, location.href).searchParams);
  }
});

history.addEventListener("submit", async (event) => {
  const del = event.target.closest("[data-delete]");
  if (!del) return;
  event.preventDefault();
  const response = await fetch(del.action, {
    method: "POST", body: new FormData(del), credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRFToken": csrf() },
  });
  if (response.ok) {
    const row = del.closest("[data-clip]");
    const list = row.parentElement;
    row.remove();
    if (!list.children.length) { list.previousElementSibling?.remove(); list.remove(); }
    // The last row gone: the server renders the empty state (or this page's paging) as on load.
    if (!history.querySelector("[data-clip]")) loadHistory(new URLSearchParams(location.search));
  }
});

// -- search -----------------------------------------------------------------------------
const search = studio.querySelector("[data-history-search]");
async function loadHistory(params) {
  params.set("partial", "history");
  const response = await fetch(`${studio.dataset.pageUrl}?${params}`, { credentials: "same-origin" });
  if (!response.ok) return;
  history.innerHTML = await response.text();
  watch(history);
  params.delete("partial");
  history.setAttribute("aria-busy", "false");
  const query = params.toString();
  window.history.replaceState(null, "", query ? `?${query}` : studio.dataset.pageUrl);
}
let searchTimer = null;
search.addEventListener("submit", (event) => {
  event.preventDefault();
  loadHistory(new URLSearchParams(new FormData(search)));
});
search.querySelector("input").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => loadHistory(new URLSearchParams(new FormData(search))), 300);
});

// -- on load: draw waveforms, keep polling unfinished clips, cue the newest done clip ----
watch(history);
for (const row of history.querySelectorAll("[data-status=pending]")) poll(row.dataset.clip, 1000);
playRow(history.querySelector("[data-status=done]"), false);
