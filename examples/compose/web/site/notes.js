// Posts a note and lists them, newest first, through web's /api/notes (passed on to the app service).
const form = document.getElementById("add");
const text = document.getElementById("text");
const status = document.getElementById("status");
const list = document.getElementById("notes");

async function call(method, body) {
  const res = await fetch("/api/notes", { method, body, headers: { "content-type": "text/plain; charset=utf-8" } });
  const json = await res.json();
  if (!res.ok) throw new Error(json.error || `${res.status}`);
  return json;
}

async function refresh() {
  const { notes } = await call("GET");
  list.replaceChildren(
    ...notes.reverse().map((note) => {
      const item = document.createElement("li");
      const time = document.createElement("time");
      time.textContent = new Date(note.at).toLocaleString();
      item.append(note.text, " ", time);
      return item;
    }),
  );
  status.textContent = `${notes.length} note${notes.length === 1 ? "" : "s"}`;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await call("POST", text.value);
    text.value = "";
    await refresh();
  } catch (e) {
    status.textContent = `Not saved: ${e.message}`;
  }
});

refresh().catch((e) => (status.textContent = `Cannot list the notes: ${e.message}`));
