// flowscope UI: live updates, on-demand previews and tag editing. Every page works without
// this file; it only saves reloads. Text from the server is set with textContent; HTML
// fragments come from the server's own escaping templates and SVG renderers.
"use strict";

const POLL_MS = 1500;
const MAX_FAILURES = 20;

function setStatus(el, status) {
  if (!el) return;
  el.textContent = status;
  el.className = "fs-badge fs-status-" + String(status).replace(/[^a-z]/g, "");
}

function poll(url, onData) {
  let failures = 0;
  async function tick() {
    let again = true;
    try {
      const response = await fetch(url(), { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      again = onData(await response.json()) !== false;
      failures = 0;
    } catch (err) {
      failures += 1;
      again = failures < MAX_FAILURES;
    }
    if (again) setTimeout(tick, POLL_MS);
  }
  setTimeout(tick, POLL_MS);
}

function liveRun() {
  const run = document.querySelector("[data-live-run]");
  if (!run || run.dataset.finished === "yes") return;
  const url = run.dataset.liveRun;
  poll(() => url, (data) => {
    setStatus(document.getElementById("run-status"), data.status);
    document.getElementById("run-duration").textContent = data.duration;
    document.getElementById("run-tasks").textContent = String(data.tasks);
    document.getElementById("run-graph").innerHTML = data.graph;
    document.getElementById("run-steps").innerHTML = data.steps;
    document.getElementById("run-timeline").innerHTML = data.timeline;
    if (data.finished) {
      run.dataset.finished = "yes";
      return false;
    }
    return true;
  });
}

function liveLogs() {
  document.querySelectorAll("pre[data-live-log]").forEach((pre) => {
    let next = Number(pre.dataset.lines || "0");
    const base = pre.dataset.liveLog;
    poll(() => base + "&after=" + next, (data) => {
      if (data.lines.length) {
        pre.appendChild(document.createTextNode(data.lines.join("\n") + "\n"));
        pre.scrollTop = pre.scrollHeight;
      }
      next = data.next;
      setStatus(document.getElementById("task-status"), data.status);
      return !data.finished;
    });
  });
}

function previews() {
  document.querySelectorAll("a[data-preview]").forEach((link) => {
    link.addEventListener("click", async (event) => {
      event.preventDefault();
      const target = document.getElementById(link.dataset.preview);
      if (target.dataset.open === "yes") {
        target.replaceChildren();
        target.dataset.open = "no";
        return;
      }
      target.textContent = "loading…";
      const response = await fetch(link.href + "&fragment=1");
      target.innerHTML = await response.text();
      target.dataset.open = "yes";
    });
  });
}

function bindTagForm(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { "X-Requested-With": "fetch" },
    });
    if (!response.ok) {
      alertLine(form, await response.text());
      return;
    }
    const data = await response.json();
    renderTags(form.querySelector("input[name=csrf]").value, form.action, data.user_tags);
    const input = form.querySelector("input[name=add]");
    if (input) input.value = "";
  });
}

function alertLine(form, message) {
  let line = form.querySelector(".fs-error");
  if (!line) {
    line = document.createElement("span");
    line.className = "fs-error";
    form.appendChild(line);
  }
  line.textContent = message.slice(0, 300);
}

function renderTags(csrf, action, tags) {
  const list = document.getElementById("tag-list");
  list.querySelectorAll("li:not(:has(.fs-system))").forEach((li) => li.remove());
  const first = list.firstChild;
  tags.forEach((tag) => {
    const li = document.createElement("li");
    const span = document.createElement("span");
    span.className = "fs-tag";
    span.textContent = tag;
    const form = document.createElement("form");
    form.method = "post";
    form.action = action;
    form.className = "fs-inline";
    form.dataset.tagForm = "";
    for (const [name, value] of [["csrf", csrf], ["remove", tag]]) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.appendChild(input);
    }
    const button = document.createElement("button");
    button.type = "submit";
    button.textContent = "×";
    button.setAttribute("aria-label", "remove tag");
    form.appendChild(button);
    li.append(span, " ", form);
    list.insertBefore(li, first);
    bindTagForm(form);
  });
}

function compareForm() {
  const form = document.getElementById("compare-form");
  if (!form) return;
  form.addEventListener("submit", () => {
    const picked = Array.from(form.querySelectorAll("input[name=pick]:checked")).map((i) => i.value);
    document.getElementById("compare-runs").value = picked.join(",");
    form.querySelectorAll("input[name=pick]").forEach((i) => (i.disabled = true));
  });
}

document.addEventListener("DOMContentLoaded", () => {
  liveRun();
  liveLogs();
  previews();
  document.querySelectorAll("form[data-tag-form]").forEach(bindTagForm);
  compareForm();
});
