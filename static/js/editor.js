// The editor: character counters, field errors, voice settings, the sound effects' duration
// rule, and filling the editor from a history row (Reuse).
const DURATION_IN_PROMPT = /(\d+(?:\.\d+)?)\s*(?:s|sec|secs|second|seconds)\b/i;  // as audio/engines/sfx/vocabulary.py
const count = (n) => n.toLocaleString("en-US");

export function setupEditor(ctx) {
  const { form } = ctx;

  function field(name) {
    return form.querySelector(`[data-field="${name}"]`);
  }

  function showError(name, message) {
    const box = form.querySelector(`[data-error-for="${name}"]`);
    if (!box) return false;
    box.textContent = message;
    box.hidden = false;
    field(name)?.setAttribute("aria-invalid", "true");
    return true;
  }

  function clearError(name) {
    const box = form.querySelector(`[data-error-for="${name}"]`);
    if (box) { box.hidden = true; box.textContent = ""; }
    field(name)?.removeAttribute("aria-invalid");
  }

  // -- counters: red only past the limit; nothing is cut, the overflow is said in words ----
  const counted = [...form.querySelectorAll("[data-counted]")].map((input) => {
    const counter = document.getElementById(input.getAttribute("aria-describedby").split(" ")[0]);
    const max = Number(counter.dataset.max);
    const check = () => {
      const n = input.value.length;
      counter.querySelector("[data-count]").textContent = count(n);
      const over = n > max;
      counter.classList.toggle("counter-over", over);
      if (over) {
        showError(input.dataset.field, `${count(n)} characters: ${count(n - max)} over the limit of ${count(max)}. Shorten it to generate.`);
      }
      return !over;
    };
    input.addEventListener("input", () => {
      clearError(input.dataset.field);
      check();
    });
    check();
    return { input, check };
  });

  for (const input of form.querySelectorAll("[data-field]:not([data-counted])")) {
    input.addEventListener("change", () => clearError(input.dataset.field));
  }

  // -- voice settings: live values and a reset -------------------------------------------
  const settings = [...form.querySelectorAll("[data-setting]")];
  const reset = form.querySelector("[data-settings-reset]");
  const showValue = (input) => {
    const output = form.querySelector(`output[for="${input.id}"]`);
    const value = Number(input.value);
    if (!output) return;
    output.textContent = Number(input.step) >= 1 ? (value > 0 ? `+${value}` : String(value)) : value.toFixed(2).replace(/0$/, "");
  };
  for (const input of settings) {
    input.addEventListener("input", () => showValue(input));
    showValue(input);
  }
  if (reset) {
    reset.hidden = false;
    reset.addEventListener("click", () => {
      for (const input of settings) { input.value = input.dataset.default; showValue(input); }
    });
  }

  // -- sound effects: a length in the description wins over the Duration box ---------------
  const prompt = field("prompt");
  const duration = form.querySelector("[data-duration]");
  const durationHelp = form.querySelector("[data-duration-help]");
  if (prompt && duration && durationHelp) {
    const rule = durationHelp.textContent;
    const update = () => {
      const found = prompt.value.match(DURATION_IN_PROMPT);
      duration.readOnly = Boolean(found);
      duration.classList.toggle("from-prompt", Boolean(found));
      durationHelp.textContent = found
        ? `Taken from the description: ${Number(found[1])} s. This box is not used while the description gives a length.`
        : rule;
    };
    prompt.addEventListener("input", update);
    update();
  }

  return {
    showError,
    clearError,
    // False (and the reason shown) when a field is over its limit.
    check() {
      const bad = counted.find(({ check }) => !check());
      if (bad) bad.input.focus();
      return !bad;
    },
    clearAll() {
      for (const box of form.querySelectorAll("[data-error-for]")) clearError(box.dataset.errorFor);
    },
    // Put a clip's text or prompt, voice and settings into the editor.
    fill(fields) {
      for (const [name, value] of Object.entries(fields)) {
        if (name === "voice") {
          const radio = form.querySelector(`input[name=voice][value="${CSS.escape(value)}"]`);
          if (radio) radio.checked = true;
          continue;
        }
        const input = form.querySelector(`[name="${name}"]`);
        if (!input || input.type === "file") continue;
        input.value = value;
        input.dispatchEvent(new Event("input", { bubbles: true }));
      }
      (field("text") || field("prompt") || form.querySelector("input[name=voice]:checked"))?.focus();
    },
  };
}
