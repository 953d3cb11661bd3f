// Rare-character picker and "·" button for the name fields of the registration pages.
// The form works without this script; it only adds the two insertion aids.
(function () {
  "use strict";
  const dialog = document.getElementById("rare-picker");
  const pinyinInput = document.getElementById("rare-pinyin");
  const results = document.getElementById("rare-results");
  const status = document.getElementById("rare-status");
  const MIDDLE_DOT = "\u00B7";
  let target = null;
  let caret = { start: 0, end: 0 };

  function remember(input) {
    target = input;
    const len = input.value.length;
    const start = input.selectionStart ?? len;
    const end = input.selectionEnd ?? len;
    // Tabbing into a filled field selects all of it: that is no place chosen by the candidate, and a character
    // button must not replace the whole name then. Insert at the end instead.
    caret = start === 0 && end === len ? { start: len, end: len } : { start: start, end: end };
  }

  // A field the candidate has not put the cursor in yet (e.g. filled in by the server after an error) gets
  // the character at the end, not at position 0.
  function rememberEnd(input) {
    target = input;
    const len = input.value.length;
    caret = { start: len, end: len };
  }

  // Inserts at the remembered cursor position, replacing any selection, and puts the cursor after it.
  function insert(input, text) {
    const value = input.value;
    const start = Math.min(caret.start, value.length);
    const end = Math.min(caret.end, value.length);
    input.value = value.slice(0, start) + text + value.slice(end);
    const pos = start + text.length;
    input.focus();
    input.setSelectionRange(pos, pos);
    caret = { start: pos, end: pos };
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.querySelectorAll("input.name-input").forEach(function (input) {
    ["keyup", "click", "select", "blur", "input"].forEach(function (ev) {
      input.addEventListener(ev, function () { remember(input); });
    });
  });

  document.querySelectorAll("[data-name-tools]").forEach(function (tools) { tools.hidden = false; });

  document.querySelectorAll("[data-insert-dot]").forEach(function (button) {
    button.addEventListener("click", function () {
      const input = document.getElementById(button.dataset.insertDot);
      if (target !== input) rememberEnd(input);
      insert(input, MIDDLE_DOT);
    });
  });

  document.querySelectorAll("[data-rare-picker]").forEach(function (button) {
    button.addEventListener("click", function () {
      const input = document.getElementById(button.dataset.rarePicker);
      if (target !== input) rememberEnd(input);
      results.replaceChildren();
      status.textContent = "";
      dialog.showModal();
      // The last reading stays, selected: typing replaces it, Enter searches it again.
      pinyinInput.focus();
      pinyinInput.select();
    });
  });

  function message(name, n) {
    return (dialog.dataset["msg" + name] || "").replace("{n}", String(n));
  }

  // One font with exactly the candidates' glyphs, loaded before they are shown: otherwise the browser would
  // fetch a unicode-range block for nearly every candidate. If it fails, the blocks still work.
  async function loadPickerFont(chars) {
    const points = chars.map(function (item) { return item.char.codePointAt(0).toString(16).toUpperCase(); });
    if (!points.length || !("FontFace" in window)) return false;
    try {
      const face = new FontFace("KaowuRarePicker", "url(/assets/fonts/rare-set.ttf?c=" + points.join("-") + ")");
      document.fonts.add(await face.load());
      return true;
    } catch (e) {
      return false; // the per-block fonts still work
    }
  }

  async function search() {
    const pinyin = pinyinInput.value.trim();
    results.replaceChildren();
    if (!/^[A-Za-zÜü]{1,12}$/.test(pinyin)) {
      status.textContent = message("Invalid");
      return;
    }
    status.textContent = message("Loading");
    try {
      const response = await fetch("/api/v1/rare-chars?pinyin=" + encodeURIComponent(pinyin), {
        headers: { "Accept": "application/json", "Accept-Language": document.documentElement.lang },
      });
      if (!response.ok) throw new Error(String(response.status));
      const chars = await response.json();
      results.classList.toggle("own-font", await loadPickerFont(chars));
      status.textContent = chars.length ? message("Found", chars.length) : message("None");
      const fragment = document.createDocumentFragment();
      chars.forEach(function (item) {
        const b = document.createElement("button");
        b.type = "button";
        b.setAttribute("aria-label", item.char + " " + item.pinyin);
        b.dataset.char = item.char;
        const glyph = document.createElement("span");
        glyph.className = "glyph";
        glyph.textContent = item.char;
        const reading = document.createElement("span");
        reading.className = "reading";
        reading.textContent = item.pinyin;
        b.append(glyph, reading);
        b.addEventListener("click", function () {
          dialog.close();
          if (target) insert(target, item.char);
        });
        fragment.append(b);
      });
      results.append(fragment);
    } catch (e) {
      status.textContent = message("Error");
    }
  }

  document.getElementById("rare-search").addEventListener("click", search);
  pinyinInput.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); search(); }
  });
  document.getElementById("rare-close").addEventListener("click", function () { dialog.close(); });

})();
