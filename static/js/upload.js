// The voice changer's input: the drop zone (the whole box takes a drop), the chosen file's
// name, size and length with a preview, and recordings from the microphone (recorder.js).
import { setupRecorder } from "./recorder.js";

export function setupUpload(ctx) {
  const input = ctx.form.querySelector("input[type=file]");
  if (!input) return;
  const info = ctx.form.querySelector("[data-file-info]");
  const preview = ctx.form.querySelector("[data-file-preview]");
  const zone = ctx.form.querySelector("[data-dropzone]");
  let described = "";  // the chosen file's "name · size"; its length is added once known

  function describe() {
    const file = input.files[0];
    if (preview.src) URL.revokeObjectURL(preview.src);
    if (!file) {
      described = "";
      info.textContent = "";
      preview.hidden = true;
      preview.removeAttribute("src");
      return;
    }
    described = `${file.name} · ${(file.size / 1024 / 1024).toFixed(1)} MB`;
    info.textContent = described;
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
  }
  // One listener each, for whichever file is current: a file that never loads adds nothing.
  preview.addEventListener("loadedmetadata", () => {
    if (described && Number.isFinite(preview.duration)) info.textContent = `${described} · ${preview.duration.toFixed(1)} s`;
  });
  preview.addEventListener("error", () => {
    if (described) info.textContent = `${described} · this browser cannot play it; the server checks it when you generate.`;
  });
  input.addEventListener("change", describe);

  function take(files) {
    if (!files || !files.length) return;
    const transfer = new DataTransfer();
    transfer.items.add(files[0]);
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  const hasFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      zone.classList.add("dropzone-active");
    });
  }
  zone.addEventListener("dragleave", (event) => {
    if (!zone.contains(event.relatedTarget)) zone.classList.remove("dropzone-active");
  });
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dropzone-active");
    take(event.dataTransfer.files);
  });
  // A file dropped beside the box is not opened by the browser (the page would be lost).
  for (const name of ["dragover", "drop"]) {
    window.addEventListener(name, (event) => { if (hasFiles(event) && !zone.contains(event.target)) event.preventDefault(); });
  }

  setupRecorder(ctx, (file) => take([file]));
}
