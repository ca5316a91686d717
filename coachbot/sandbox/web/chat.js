// The sandbox web chat: a small Telegram client for the local Bot API emulator.
// Plain JavaScript, no build step. Message HTML comes rendered (and escaped) from the
// server; everything else the page shows is set as text.
"use strict";

const API = "/sandbox/api";
const HEADERS = { "X-Sandbox": "1" };
const PLACES = [
  ["Berlin", 52.52, 13.405], ["Lisbon", 38.722, -9.139], ["London", 51.507, -0.128],
  ["New York", 40.713, -74.006], ["São Paulo", -23.55, -46.633], ["Tokyo", 35.676, 139.65],
  ["Sydney", -33.869, 151.209],
];
const ACTION_STATUS = {
  typing: "typing…", upload_photo: "sending a photo…", upload_document: "sending a file…",
  record_voice: "recording a voice message…", upload_voice: "sending a voice message…",
  find_location: "choosing a location…",
};

const $ = (selector) => document.querySelector(selector);
const state = {
  info: null, me: null, people: [], messages: new Map(), source: null,
  link: null, commands: [], blocked: false, started: false, files: [], statusTimer: null,
  stick: true,
  scrollTop: 0, // where the list was at the last scroll event: a move up is the person's
};

// ---------------------------------------------------------------- helpers

function element(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "className") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("data-") || key === "role" || key === "title" || key.startsWith("aria-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

async function api(path, body, { form = false } = {}) {
  const options = { method: body === undefined ? "GET" : "POST", headers: { ...HEADERS } };
  if (form) options.body = body;
  else if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(API + path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `The sandbox answered ${response.status}.`);
  return data;
}

function initials(name) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((part) => part[0]).join("").toUpperCase() || "?";
}

function avatar(name, id) {
  const hue = (Number(id) * 47) % 360;
  return element("div", { className: "avatar", text: initials(name), style: `background: hsl(${hue} 55% 55%)` });
}

function clock(unix) {
  if (!unix) return "";
  return new Date(unix * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}

function day(unix) {
  const date = new Date(unix * 1000);
  const today = new Date();
  if (date.toDateString() === today.toDateString()) return "Today";
  return date.toLocaleDateString([], { day: "numeric", month: "long", year: "numeric" });
}

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

let toastTimer = null;
function toast(text) {
  const node = $("#toast");
  node.textContent = text;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { node.hidden = true; }, 3000);
}

function alertBox(text) {
  $("#alert-text").textContent = text;
  $("#alert-dialog").showModal();
}

function params() {
  return new URLSearchParams(location.search);
}

function languageOptions(select) {
  const names = { en: "English", de: "Deutsch" };
  select.replaceChildren(...state.info.languages.map((code) => element("option", { value: code, text: names[code] || code })));
}

// ---------------------------------------------------------------- people

function renderPeople() {
  const list = $("#people");
  list.replaceChildren(...state.people.map((person) => personRow(person, () => openChat(person.id))));
  const chooser = $("#link-people");
  chooser.replaceChildren(...state.people.map((person) => personRow(person, () => openLinkAs(person.id), true)));
}

function personRow(person, onClick, compact = false) {
  const top = element("div", { className: "person-top" }, [
    element("span", { className: "person-name", text: person.name }),
    person.label ? element("span", { className: "person-label", text: person.label }) : null,
    element("span", { className: "person-time", text: clock(person.date) }),
  ]);
  const bottom = element("div", { className: "person-bottom" }, [
    element("span", { className: "person-preview", text: person.blocked ? "⛔ blocked the bot" : person.preview }),
    person.unread && !compact && state.me !== person.id ? element("span", { className: "badge", text: String(person.unread) }) : null,
  ]);
  const row = element("button", {
    className: "person" + (state.me === person.id && !compact ? " active" : ""),
    role: "listitem", "data-person": String(person.id), type: "button",
  }, [avatar(person.name, person.id), element("div", { className: "person-text" }, [top, bottom])]);
  row.addEventListener("click", onClick);
  return row;
}

async function createPerson(form) {
  const data = Object.fromEntries(new FormData(form).entries());
  const { id } = await api("/people", data);
  form.reset();
  await refreshState();
  return id;
}

async function refreshState() {
  state.info = await api("/state");
  state.people = state.info.people;
  renderPeople();
}

function personById(id) {
  return state.people.find((person) => person.id === id);
}

// ---------------------------------------------------------------- navigation

function show(section) {
  for (const id of ["welcome", "link-chooser", "chat"]) $("#" + id).hidden = id !== section;
}

async function openLinkAs(id) {
  const start = params().get("start") || "";
  await api(`/people/${id}/link`, { start });
  history.replaceState(null, "", `/?user=${id}`);
  openChat(id);
}

function openChat(id) {
  if (state.source) state.source.close();
  state.me = id;
  state.messages.clear();
  $("#messages").replaceChildren();
  if (params().get("user") !== String(id) || params().has("start")) history.pushState(null, "", `/?user=${id}`);
  const person = personById(id);
  $("#me-name").textContent = person ? person.name : String(id);
  document.title = `${person ? person.name : id} · ${state.info.title}`;
  show("chat");
  renderPeople();
  closePopups();
  listen(id);
}

// Each open stream holds one of the six connections Chromium allows per host: a hidden tab
// lets go of its stream (the next one starts with the whole chat), so many tabs still work.
document.addEventListener("visibilitychange", () => {
  if (document.hidden && state.source) {
    state.source.close();
    state.source = null;
  } else if (!document.hidden && state.me !== null && !state.source) {
    listen(state.me);
  }
});

function listen(id) {
  if (state.source) state.source.close();
  if (document.hidden) return;
  const source = new EventSource(`${API}/people/${id}/events`);
  state.source = source;
  const on = (name, handler) => source.addEventListener(name, (event) => handler(JSON.parse(event.data)));
  on("reset", (data) => {
    state.messages.clear();
    $("#messages").replaceChildren();
    for (const message of data.messages) upsertMessage(message, false);
    applyChatState(data);
    scrollToEnd();
  });
  on("message", (message) => { upsertMessage(message, true); if (message.from_bot) setStatus(null); });
  on("deleted", ({ id: messageId }) => removeMessage(messageId));
  on("keyboard", (keyboard) => renderReplyKeyboard(keyboard));
  on("commands", (commands) => { state.commands = commands; renderCommands(); });
  on("blocked", (blocked) => { state.blocked = blocked; renderBars(); });
  on("link", (link) => { state.link = link; renderBars(); });
  on("started", (started) => { state.started = started; renderBars(); });
  on("people", (people) => { state.people = people; renderPeople(); });
  on("action", (action) => setStatus(ACTION_STATUS[action] || null, 5000));
}

function applyChatState(data) {
  state.commands = data.commands;
  state.blocked = data.blocked;
  state.started = data.started;
  state.link = data.link;
  state.people = data.people;
  renderPeople();
  renderCommands();
  renderReplyKeyboard(data.keyboard);
  renderBars();
}

function setStatus(text, timeout = 0) {
  clearTimeout(state.statusTimer);
  const node = $("#bot-status");
  node.textContent = text || "bot";
  node.classList.toggle("busy", Boolean(text));
  if (text && timeout) state.statusTimer = setTimeout(() => setStatus(null), timeout);
}

function renderBars() {
  // Telegram offers START in a chat never started, and after opening a deep link.
  const showStart = !state.blocked && (state.link !== null || !state.started);
  $("#start-bar").hidden = !showStart;
  $("#unblock-bar").hidden = !state.blocked;
  $("#composer").hidden = showStart || state.blocked;
  if (showStart || state.blocked) $("#reply-keyboard").hidden = true;
  renderChatMenu();
}

// ---------------------------------------------------------------- messages

function groupOf(message) {
  return message.media_group_id ? `g${message.media_group_id}` : `m${message.id}`;
}

function upsertMessage(message, live) {
  state.messages.set(message.id, message);
  const key = groupOf(message);
  const members = [...state.messages.values()].filter((m) => groupOf(m) === key).sort((a, b) => a.id - b.id);
  const row = renderRow(members);
  row.dataset.key = key;
  row.dataset.first = String(members[0].id);
  const list = $("#messages");
  const old = list.querySelector(`.row[data-key="${key}"]`);
  rowSizes.observe(row);
  if (old) old.replaceWith(row);
  else {
    const after = [...list.querySelectorAll(".row")].find((node) => Number(node.dataset.first) > members[0].id);
    list.insertBefore(row, after || null);
  }
  updateDays();
  renderBars();
  if (live && (state.stick || !message.from_bot)) scrollToEnd();
}

function removeMessage(id) {
  const message = state.messages.get(id);
  if (!message) return;
  state.messages.delete(id);
  const key = groupOf(message);
  const rest = [...state.messages.values()].filter((m) => groupOf(m) === key).sort((a, b) => a.id - b.id);
  const old = $("#messages").querySelector(`.row[data-key="${key}"]`);
  if (rest.length && old) {
    const row = renderRow(rest);
    row.dataset.key = key;
    row.dataset.first = String(rest[0].id);
    rowSizes.observe(row);
    old.replaceWith(row);
  } else if (old) old.remove();
  updateDays();
  renderBars();
}

function updateDays() {
  const list = $("#messages");
  list.querySelectorAll(".day").forEach((node) => node.remove());
  let last = null;
  for (const row of list.querySelectorAll(".row")) {
    const message = state.messages.get(Number(row.dataset.first));
    const label = message && message.date ? day(message.date) : null;
    if (label && label !== last) list.insertBefore(element("div", { className: "day" }, [element("span", { text: label })]), row);
    last = label || last;
  }
}

function scrollToEnd() {
  const list = $("#messages");
  list.scrollTop = list.scrollHeight;
  state.stick = true;
  state.scrollTop = list.scrollTop;
}

// Whoever is at the end stays there while the list changes. Scroll events come a frame
// late and also when content changes (rows replaced, photos loading, scroll anchoring),
// so only the person moving up lets go of the end; reaching it again takes it back.
function onScroll() {
  const list = $("#messages");
  if (list.scrollHeight - list.scrollTop - list.clientHeight < 60) state.stick = true;
  else if (list.scrollTop < state.scrollTop) state.stick = false;
  state.scrollTop = list.scrollTop;
}

// Rows grow when their photos and fonts load: whoever was at the end stays there.
const rowSizes = new ResizeObserver(() => { if (state.stick) scrollToEnd(); });

function renderRow(members) {
  const first = members[0];
  const last = members[members.length - 1];
  const mine = !first.from_bot;
  const bubble = element("div", { className: "bubble" + (mine ? " mine" : "") });
  if (first.forwarded_from) bubble.append(element("div", { className: "forwarded", text: `Forwarded from ${first.forwarded_from}` }));
  if (first.reply_to) bubble.append(element("div", { className: "quote", text: first.reply_to.text || "…" }));
  const media = members.flatMap((m) => m.files.map((file) => [m, file]));
  const photos = media.filter(([, file]) => file.kind === "photo");
  if (photos.length) bubble.append(photoGrid(photos));
  for (const [message, file] of media) if (file.kind !== "photo") bubble.append(fileBox(message, file));
  for (const message of members) if (message.location) bubble.append(locationBox(message.location));
  const texts = [...new Set(members.map((m) => m.html).filter(Boolean))];
  for (const html of texts) {
    const text = element("div", { className: "text" });
    text.innerHTML = html; // rendered and escaped by the server (web_render.py)
    bubble.append(text);
  }
  if (photos.length && !texts.length) bubble.classList.add("media-only");
  bubble.append(element("span", { className: "meta", text: `${members.some((m) => m.edited) ? "edited " : ""}${clock(last.date)}${mine ? " ✓✓" : ""}` }));
  if (members.some((m) => m.protected)) bubble.classList.add("protected");
  const row = element("div", { className: "row" + (mine ? " mine" : "") }, [bubble]);
  for (const message of members) {
    row.dataset.ids = (row.dataset.ids ? row.dataset.ids + " " : "") + message.id;
    if (message.inline_keyboard.length) row.append(inlineKeyboard(message));
  }
  return row;
}

function photoGrid(photos) {
  const columns = photos.length === 1 ? 1 : photos.length === 2 || photos.length === 4 ? 2 : 3;
  const grid = element("div", { className: `photos photos-${columns}` });
  for (const [message, file] of photos) {
    const image = element("img", { src: file.url, alt: "Photo", loading: "lazy", draggable: !message.protected });
    if (file.width && file.height) image.style.aspectRatio = `${file.width} / ${file.height}`;
    image.addEventListener("click", () => openLightbox(file.url));
    image.addEventListener("load", () => { if (state.stick) scrollToEnd(); });
    if (message.protected) image.addEventListener("contextmenu", (event) => event.preventDefault());
    grid.append(image);
  }
  return grid;
}

function fileBox(message, file) {
  if (file.kind === "voice") {
    return element("div", { className: "voice" }, [element("audio", { controls: true, src: file.url, preload: "none" })]);
  }
  const name = file.name || "file";
  const link = element("a", {
    className: "file", href: message.protected ? "#" : `${file.url}?download=1`,
    title: message.protected ? "Protected content can't be saved" : `Download ${name}`,
  }, [
    element("span", { className: "file-icon", text: "⬇" }),
    element("span", { className: "file-text" }, [
      element("span", { className: "file-name", text: name }),
      element("span", { className: "file-size", text: size(file.size) }),
    ]),
  ]);
  if (!message.protected) link.setAttribute("download", name);
  else link.addEventListener("click", (event) => { event.preventDefault(); toast("The sender protected this file."); });
  return link;
}

function locationBox(location) {
  return element("div", { className: "location" }, [
    element("span", { className: "location-pin", text: "📍" }),
    element("span", { text: `Location ${location.latitude.toFixed(4)}, ${location.longitude.toFixed(4)}` }),
  ]);
}

function inlineKeyboard(message) {
  const keyboard = element("div", { className: "inline-keyboard", "data-message": String(message.id) });
  for (const row of message.inline_keyboard) {
    const line = element("div", { className: "inline-row" });
    for (const button of row) line.append(inlineButton(message, button));
    keyboard.append(line);
  }
  return keyboard;
}

function inlineButton(message, button) {
  if (button.url) {
    return element("a", { className: "inline-button link", href: button.url, target: "_blank", rel: "noopener", text: `${button.text} ↗` });
  }
  const node = element("button", { className: "inline-button", type: "button", text: button.text });
  node.addEventListener("click", async () => {
    if (button.copy !== undefined) {
      await navigator.clipboard.writeText(button.copy).catch(() => {});
      toast("Copied.");
      return;
    }
    if (button.data === undefined) return toast("This button does nothing in the sandbox.");
    node.classList.add("loading");
    try {
      const answer = await api(`/people/${state.me}/press`, { message_id: message.id, data: button.data });
      if (answer.text) (answer.show_alert ? alertBox : toast)(answer.text);
    } catch (error) {
      toast(error.message);
    } finally {
      node.classList.remove("loading");
    }
  });
  return node;
}

function openLightbox(url) {
  const box = $("#lightbox");
  box.querySelector("img").src = url;
  box.hidden = false;
}

// ---------------------------------------------------------------- keyboards and menus

function renderReplyKeyboard(keyboard) {
  const panel = $("#reply-keyboard");
  $("#text").placeholder = (keyboard && keyboard.placeholder) || "Message";
  if (!keyboard) {
    panel.hidden = true;
    panel.replaceChildren();
    return;
  }
  panel.replaceChildren(...keyboard.rows.map((row) => element("div", { className: "reply-row" }, row.map((button) => {
    const node = element("button", { className: "reply-button", type: "button", text: button.text });
    node.addEventListener("click", () => {
      if (button.request === "location") $("#location-dialog").showModal();
      else if (button.request === "contact") toast("Sharing a phone number is not part of the sandbox.");
      else sendText(button.text);
    });
    return node;
  }))));
  panel.hidden = $("#composer").hidden;
}

function renderCommands() {
  $("#commands-button").hidden = state.commands.length === 0;
  $("#commands-panel").replaceChildren(...state.commands.map((command) => {
    const node = element("button", { type: "button", className: "command" }, [
      element("span", { className: "command-name", text: `/${command.command}` }),
      element("span", { className: "command-description", text: command.description }),
    ]);
    node.addEventListener("click", () => { closePopups(); sendText(`/${command.command}`); });
    return node;
  }));
}

function renderChatMenu() {
  const menu = $("#chat-menu");
  const items = [];
  for (const action of (state.info ? state.info.actions : [])) {
    const node = element("button", { type: "button", title: action.hint }, [
      element("span", { text: action.label }), element("small", { text: action.hint }),
    ]);
    node.addEventListener("click", async () => {
      closePopups();
      try {
        alertBox((await api(`/actions/${action.key}`, { user_id: state.me })).text);
      } catch (error) {
        alertBox(error.message);
      }
    });
    items.push(node);
  }
  const block = element("button", { type: "button", className: "danger", text: state.blocked ? "Unblock the bot" : "Stop and block the bot" });
  block.addEventListener("click", () => { closePopups(); setBlocked(!state.blocked); });
  items.push(block);
  menu.replaceChildren(...items);
}

function closePopups() {
  for (const id of ["#chat-menu", "#commands-panel", "#attach-menu"]) $(id).hidden = true;
}

function togglePopup(id) {
  const popup = $(id);
  const opening = popup.hidden;
  closePopups();
  popup.hidden = !opening;
}

async function setBlocked(blocked) {
  try {
    await api(`/people/${state.me}/block`, { blocked });
  } catch (error) {
    toast(error.message);
  }
}

// ---------------------------------------------------------------- sending

async function sendText(text) {
  if (!text.trim()) return false;
  try {
    await api(`/people/${state.me}/messages`, { text });
    return true;
  } catch (error) {
    toast(error.message);
    return false;
  }
}

async function sendFromComposer() {
  const input = $("#text");
  if (await sendText(input.value)) {
    input.value = "";
    autoGrow();
  }
  input.focus();
}

function autoGrow() {
  const input = $("#text");
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
}

function chooseFiles(files) {
  state.files = [...files].slice(0, 10);
  if (!state.files.length) return;
  const previews = $("#upload-previews");
  previews.replaceChildren(...state.files.map((file) => {
    if (file.type.startsWith("image/")) return element("img", { src: URL.createObjectURL(file), alt: file.name });
    return element("div", { className: "file-preview", text: `📄 ${file.name} · ${size(file.size)}` });
  }));
  const photos = state.files.every((file) => file.type.startsWith("image/"));
  const count = state.files.length;
  $("#upload-title").textContent = `Send ${count === 1 ? "1" : count} ${photos ? "photo" : "file"}${count === 1 ? "" : "s"}`;
  $("#upload-caption").value = $("#text").value;
  $("#upload-dialog").showModal();
}

async function sendFiles() {
  const body = new FormData();
  state.files.forEach((file, index) => body.append(`file${index}`, file, file.name));
  body.append("caption", $("#upload-caption").value);
  state.files = [];
  try {
    await api(`/people/${state.me}/messages`, body, { form: true });
    $("#text").value = "";
  } catch (error) {
    toast(error.message);
  }
}

async function sendLocation(latitude, longitude) {
  try {
    await api(`/people/${state.me}/messages`, { location: { latitude, longitude } });
  } catch (error) {
    toast(error.message);
  }
}

// ---------------------------------------------------------------- wiring

function wire() {
  $("#send").addEventListener("click", sendFromComposer);
  $("#text").addEventListener("input", autoGrow);
  $("#text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendFromComposer();
    }
  });
  $("#start-button").addEventListener("click", () => sendText(state.link ? `/start ${state.link}` : "/start"));
  $("#unblock-button").addEventListener("click", () => setBlocked(false));
  $("#commands-button").addEventListener("click", () => togglePopup("#commands-panel"));
  $("#menu-toggle").addEventListener("click", () => togglePopup("#chat-menu"));
  $("#attach").addEventListener("click", () => togglePopup("#attach-menu"));
  $("#attach-file").addEventListener("click", () => { closePopups(); $("#file-input").click(); });
  $("#attach-location").addEventListener("click", () => { closePopups(); $("#location-dialog").showModal(); });
  $("#file-input").addEventListener("change", (event) => { chooseFiles(event.target.files); event.target.value = ""; });
  $("#upload-dialog").addEventListener("close", () => { if ($("#upload-dialog").returnValue === "send") sendFiles(); else state.files = []; });
  $("#location-places").replaceChildren(...PLACES.map(([name, latitude, longitude]) => {
    const node = element("button", { type: "button", className: "place", text: `📍 ${name}` });
    node.addEventListener("click", () => { $("#location-dialog").close(); sendLocation(latitude, longitude); });
    return node;
  }));
  $("#location-dialog").addEventListener("close", () => {
    const form = $("#location-form");
    if ($("#location-dialog").returnValue === "send") {
      const latitude = Number(form.latitude.value.replace(",", "."));
      const longitude = Number(form.longitude.value.replace(",", "."));
      if (form.latitude.value && form.longitude.value && !Number.isNaN(latitude) && !Number.isNaN(longitude)) sendLocation(latitude, longitude);
      else toast("Type a latitude and a longitude, or pick a place.");
    }
    form.reset();
  });
  $("#lightbox").addEventListener("click", () => { $("#lightbox").hidden = true; });
  $("#messages").addEventListener("scroll", onScroll);
  $("#messages").addEventListener("click", (event) => {
    const command = event.target.closest("a.tg-command");
    if (command) {
      event.preventDefault();
      sendText(command.dataset.command);
      return;
    }
    const spoiler = event.target.closest(".tg-spoiler");
    if (spoiler) spoiler.classList.add("revealed");
  });
  $("#new-person").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      openChat(await createPerson(event.target));
      $("#new-person-box").open = false;
    } catch (error) {
      toast(error.message);
    }
  });
  $("#link-new-person").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await openLinkAs(await createPerson(event.target));
    } catch (error) {
      toast(error.message);
    }
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest(".popup, #menu-toggle, #commands-button, #attach")) closePopups();
  });
  window.addEventListener("popstate", route);
}

function route() {
  const query = params();
  const user = Number(query.get("user"));
  if (query.has("start") && !user) {
    if (state.source) state.source.close();
    state.me = null;
    $("#link-shown").textContent = `t.me/${state.info.bot.username}?start=${query.get("start")}`;
    show("link-chooser");
    renderPeople();
    return;
  }
  if (user && personById(user)) {
    if (query.has("start")) openLinkAs(user);
    else if (state.me !== user) openChat(user);
    return;
  }
  state.me = null;
  show("welcome");
  renderPeople();
}

async function main() {
  wire();
  await refreshState();
  $("#brand").textContent = state.info.title;
  $("#bot-name").textContent = state.info.bot.name;
  $("#bot-avatar").textContent = initials(state.info.bot.name);
  languageOptions($("#new-person select"));
  languageOptions($("#link-new-person select"));
  route();
}

main().catch((error) => alertBox(`The sandbox did not answer: ${error.message}`));
