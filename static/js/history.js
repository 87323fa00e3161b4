// The history panel: rows that poll until done, play / reuse / regenerate / cancel / delete,
// multi-select delete with a confirmation and an undo, search and filters, paging. The clip
// just generated plays while it is made (live.js).
import { setupLive } from "./live.js";
import { watch } from "./waveform.js";

const UNDO_SECONDS = 6;
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
// "…in this recording." + " Your credits…": one full stop, whatever the reason ends with.
export const sentence = (text) => { const t = (text || "").trim(); return /[.!?…]$/.test(t) ? t : `${t}.`; };

export function setupHistory(ctx, editor) {
  const { studio, player } = ctx;
  const panel = studio.querySelector("#history");
  const list = studio.querySelector("[data-history]");
  const actions = studio.querySelector("[data-actions-form]");
  const bulk = studio.querySelector("[data-bulk-form]");
  const search = studio.querySelector("[data-history-search]");
  const selectionCount = bulk.querySelector("[data-selection-count]");
  const selectionHint = selectionCount.textContent;

  const post = (url, body) => fetch(url, {
    method: "POST", body, credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRFToken": ctx.csrf() },
  });
  const rowOf = (id) => document.getElementById(`clip-${id}`);
  const live = setupLive(ctx);

  async function replaceRow(id) {
    const response = await fetch(`${studio.dataset.pageUrl}?partial=row&clip=${encodeURIComponent(id)}`, { credentials: "same-origin" });
    const old = rowOf(id);
    if (!response.ok || !old) return null;
    old.insertAdjacentHTML("afterend", await response.text());
    old.remove();
    const row = rowOf(id);
    watch(row);
    return row;
  }

  function addRow(html) {
    list.querySelector("[data-history-empty]")?.remove();
    panel.removeAttribute("data-empty");
    let first = list.querySelector(".history-list");
    const day = list.querySelector(".history-day");
    if (!first || !day || day.textContent.trim() !== "Today") {
      list.insertAdjacentHTML("afterbegin", '<h3 class="history-day">Today</h3><ul class="history-list" role="list"></ul>');
      first = list.querySelector(".history-list");
    }
    first.insertAdjacentHTML("afterbegin", html);
    return first.firstElementChild;
  }

  const clipOf = (row) => {
    const link = row?.querySelector("[data-play]");
    return link ? { src: link.dataset.src, title: link.dataset.title, download: link.dataset.download } : null;
  };
  function markPlaying(row) {
    for (const other of list.querySelectorAll(".clip-playing")) other.classList.remove("clip-playing");
    row?.classList.add("clip-playing");
  }
  function playRow(row, autoplay = true) {
    const clip = clipOf(row);
    if (!clip) return;
    player.load(clip, { autoplay });
    markPlaying(row);
  }

  // One polling chain per pending clip, whoever asks (the page, a filter, a new row).
  const polling = new Map();  // clip id -> its current timer
  function stopPolling(id) {
    clearTimeout(polling.get(id));
    polling.delete(id);
  }
  function poll(id, delay = 600) {
    if (!polling.has(id)) schedule(id, delay);
  }
  function schedule(id, delay) {
    const timer = setTimeout(async () => {
      const current = () => polling.get(id) === timer;
      let status;
      try {
        const response = await fetch(ctx.statusUrl(id), { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (!current()) return;
        if (response.status === 404) { stopPolling(id); return; }  // deleted
        if (!response.ok) throw new Error(`status ${response.status}`);  // 503 while a dependency is down: ask again
        status = await response.json();
      } catch {
        if (current()) schedule(id, Math.min(delay * 2, 5000));
        return;
      }
      if (!current()) return;
      ctx.setCredits(status.credits);
      if (status.status === "pending") {
        const state = rowOf(id)?.querySelector("[data-clip-state]");
        if (state && status.started) state.textContent = `Generating…${status.estimate ? ` Takes ${status.estimate}.` : ""}`;
        live.pending(id, status, rowOf(id));
        schedule(id, Math.min(delay * 1.3, 3000));
        return;
      }
      stopPolling(id);
      const row = await replaceRow(id);
      if (status.status === "done") {
        ctx.say("Your clip is ready.");
        // It was playing as it was made: it plays on. Another clip playing live keeps the bar.
        const stored = clipOf(row) || { src: status.audio_url, download: `${status.audio_url}?format=mp3&download=1` };
        if (await live.done(id, stored, status.duration)) {
          const now = rowOf(id);
          if (player.src && player.src === clipOf(now)?.src) markPlaying(now);
        } else if (!live.playing) {
          playRow(row);
        }
      } else {
        live.stop(id);
        ctx.say(`The generation failed: ${sentence(status.error || "no reason was given")} Your credits were returned.`, "error");
      }
    }, delay);
    polling.set(id, timer);
  }

  function added(payload) {
    ctx.setCredits(payload.credits);
    const clips = payload.clips || [{ id: payload.id, row_html: payload.row_html }];
    for (const clip of [...clips].reverse()) addRow(clip.row_html);
    live.want(clips[0].id);
    watch(list);
    for (const clip of clips) poll(clip.id);
    ctx.say(payload.estimate ? `${payload.message} It should take ${payload.estimate}.` : payload.message);
  }

  // -- deleting: hidden at once, undone within a few seconds, sent after -------------------
  let pending = null;  // { ids, rows, timer, bar }
  function sendDeletes(ids, beacon = false) {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", ctx.csrf());
    body.append("confirmed", "1");
    for (const id of ids) body.append("clip", id);
    if (beacon) return navigator.sendBeacon(bulk.action, body);
    return post(bulk.action, body).then(async (response) => {
      const payload = await response.json().catch(() => ({}));
      if (!response.ok) ctx.say(payload.error || "The clips could not be deleted. Reload the page and try again.", "error");
      for (const id of ids) rowOf(id)?.remove();
      tidy();
      if (!list.querySelector("[data-clip]")) loadHistory(new URLSearchParams(location.search));
    });
  }
  function flush(beacon = false) {
    if (!pending) return;
    const { ids, timer, bar } = pending;
    pending = null;
    clearTimeout(timer);
    bar.remove();
    sendDeletes(ids, beacon);
  }
  function deleteLater(ids) {
    flush();
    const rows = ids.map(rowOf).filter(Boolean);
    for (const row of rows) {
      row.hidden = true;
      const box = row.querySelector(".clip-select");
      if (box) box.checked = false;
      if (player.src && row.querySelector(`[data-src="${CSS.escape(player.src)}"]`)) player.unload();
    }
    updateSelection();
    const bar = document.createElement("div");
    bar.className = "undo-bar";
    bar.setAttribute("role", "status");
    const text = document.createElement("p");
    text.className = "small";
    text.textContent = `Deleted ${plural(ids.length, "clip")}.`;
    const undo = document.createElement("button");
    undo.type = "button";
    undo.className = "button button-small";
    undo.textContent = "Undo";
    undo.dataset.undo = "";
    bar.append(text, undo);
    bulk.after(bar);
    undo.focus();
    undo.addEventListener("click", () => {
      if (!pending) return;
      clearTimeout(pending.timer);
      for (const row of pending.rows) row.hidden = false;
      pending = null;
      bar.remove();
      ctx.say(`Kept ${plural(ids.length, "clip")}.`);
      rows[0]?.focus();
    });
    pending = { ids, rows, bar, timer: setTimeout(() => flush(), UNDO_SECONDS * 1000) };
  }
  window.addEventListener("pagehide", () => flush(true));

  function tidy() {
    for (const group of list.querySelectorAll(".history-list")) {
      if (!group.children.length) { group.previousElementSibling?.remove(); group.remove(); }
    }
  }

  // -- selection and bulk delete (with a confirmation) ----------------------------------------
  const selected = () => [...list.querySelectorAll(".clip-select:checked")].map((box) => box.value);
  function updateSelection() {
    const n = selected().length;
    selectionCount.textContent = n ? `${plural(n, "clip")} selected.` : selectionHint;
    bulk.classList.toggle("history-bulk-idle", n === 0);
  }
  list.addEventListener("change", (event) => { if (event.target.matches(".clip-select")) updateSelection(); });
  bulk.addEventListener("submit", (event) => {
    event.preventDefault();
    const ids = selected();
    if (!ids.length) { selectionCount.textContent = "Select the clips to delete first."; return; }
    confirmBulk(ids);
  });
  function confirmBulk(ids) {
    bulk.parentElement.querySelector(".confirm-bar")?.remove();
    const bar = document.createElement("div");
    bar.className = "undo-bar confirm-bar";
    bar.setAttribute("role", "alertdialog");
    bar.setAttribute("aria-label", "Confirm deletion");
    const text = document.createElement("p");
    text.className = "small";
    text.textContent = `Delete ${plural(ids.length, "clip")}? Their audio is removed; credits are not returned.`;
    const yes = document.createElement("button");
    yes.type = "button";
    yes.className = "button button-small button-danger";
    yes.textContent = `Delete ${ids.length}`;
    yes.dataset.confirmDelete = "";
    const no = document.createElement("button");
    no.type = "button";
    no.className = "button button-small";
    no.textContent = "Keep";
    bar.append(text, yes, no);
    bulk.after(bar);
    yes.focus();
    yes.addEventListener("click", () => { bar.remove(); deleteLater(ids); });
    no.addEventListener("click", () => { bar.remove(); bulk.querySelector("[data-bulk-delete]").focus(); });
  }

  // -- one row's actions ---------------------------------------------------------------------
  actions.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = event.submitter;
    const row = button?.closest("[data-clip]");
    if (!row) return;
    const id = row.dataset.clip;
    const action = button.dataset.action;
    if (action === "delete") { deleteLater([id]); return; }
    if (action === "cancel") stopPolling(id);
    const response = await post(button.formAction, new FormData(actions));
    const payload = await response.json().catch(() => ({}));
    if (!response.ok) {
      ctx.say(payload.error || "That did not work. Reload the page and try again.", "error");
      if (action === "cancel") poll(id);  // it had started after all: keep following it
      return;
    }
    if (action === "cancel") {
      ctx.setCredits(payload.credits);
      stopPolling(id);
      live.stop(id);
      (await replaceRow(id))?.focus();
      ctx.say("Cancelled. The credits were returned.");
    } else if (action === "regenerate") {
      added(payload);
    }
  });

  list.addEventListener("click", async (event) => {
    const play = event.target.closest("[data-play]");
    if (play) {
      event.preventDefault();
      playRow(play.closest("[data-clip]"));
      return;
    }
    const reuse = event.target.closest("[data-reuse]");
    if (reuse) {
      event.preventDefault();
      const id = reuse.closest("[data-clip]").dataset.clip;
      const response = await fetch(ctx.statusUrl(id), { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) { ctx.say("That clip is no longer there.", "error"); return; }
      editor.fill((await response.json()).reuse);
      ctx.say("The editor now holds that clip's text, voice and settings.");
      return;
    }
    const page = event.target.closest("[data-history-page]");
    if (page) {
      event.preventDefault();
      await loadHistory(new URL(page.href, location.href).searchParams);
      // The new page starts at its top, whatever was scrolled before.
      panel.scrollTop = 0;
      if (panel.getBoundingClientRect().top < 0 || panel.getBoundingClientRect().top > window.innerHeight) panel.scrollIntoView({ block: "start" });
      panel.focus({ preventScroll: true });
    }
  });

  // -- search and filters ------------------------------------------------------------------
  let loading = null;  // the newest request wins; an older answer arriving late is dropped
  async function loadHistory(params) {
    params.set("partial", "history");
    loading?.abort();
    const mine = loading = new AbortController();
    let html;
    try {
      const response = await fetch(`${studio.dataset.pageUrl}?${params}`, { credentials: "same-origin", signal: mine.signal });
      if (!response.ok) return;
      html = await response.text();
    } catch {
      return;
    }
    if (loading !== mine) return;
    loading = null;
    list.innerHTML = html;
    watch(list);
    updateSelection();
    panel.toggleAttribute("data-empty", !list.querySelector("[data-clip]") && ![...params.keys()].some((k) => ["q", "voice", "status", "day"].includes(k)));
    for (const row of list.querySelectorAll("[data-status=pending]")) poll(row.dataset.clip, 1000);
    params.delete("partial");
    const query = params.toString();
    window.history.replaceState(null, "", query ? `?${query}` : studio.dataset.pageUrl);
  }
  const searchParams = () => {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(search)) if (value) params.set(name, value);
    return params;
  };
  let searchTimer = null;
  search.addEventListener("submit", (event) => { event.preventDefault(); loadHistory(searchParams()); });
  search.addEventListener("input", (event) => {
    if (event.target.type !== "search") return;
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => loadHistory(searchParams()), 300);
  });
  search.addEventListener("change", (event) => { if (event.target.matches("[data-filter]")) loadHistory(searchParams()); });

  // -- on load ---------------------------------------------------------------------------------
  updateSelection();
  watch(list);
  for (const row of list.querySelectorAll("[data-status=pending]")) poll(row.dataset.clip, 1000);
  return { added, playRow };
}
