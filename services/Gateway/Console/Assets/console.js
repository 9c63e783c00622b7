// The console's only script: copy buttons (a CID, a digest, a pull reference). Everything else works without it.
"use strict";
(function () {
  const announce = (text) => {
    const region = document.getElementById("announce");
    if (region) { region.textContent = ""; setTimeout(() => { region.textContent = text; }, 50); }
  };
  const fallbackCopy = (text) => {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok;
  };
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-copy]");
    if (!button) return;
    const text = button.getAttribute("data-copy");
    let ok = false;
    if (navigator.clipboard && window.isSecureContext) {
      try { await navigator.clipboard.writeText(text); ok = true; } catch (e) { ok = false; }
    }
    if (!ok) ok = fallbackCopy(text);
    button.textContent = ok ? "Copied" : "Select and copy";
    button.dataset.copied = ok ? "true" : "false";
    announce(ok ? "Copied to the clipboard" : "Could not copy: select the text and copy it");
    setTimeout(() => { button.textContent = "Copy"; delete button.dataset.copied; }, 2000);
  });
})();
