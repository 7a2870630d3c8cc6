// The live map: everything it shows comes from MQTT messages under
// tripmesh/v1/#, read as the monitor account over WebSockets. A message that
// does not parse, or is not what its topic promises, is skipped and counted;
// nothing stops the page from updating.
"use strict";

const ROOT = "tripmesh/v1/";
const SVG = "http://www.w3.org/2000/svg";
const DOWN = new Set(["OUTOFORDER", "INOPERATIVE", "BLOCKED", "REMOVED", "UNKNOWN"]);
const BUSY = new Set(["CHARGING", "RESERVED"]);

const state = {
  cities: new Map(),     // id -> {name, lat, lon}
  roads: [],             // {a, b, highway}
  stations: new Map(),   // id -> {company, name, city, lat, lon, points: [], status: Map, el}
  companies: new Map(),  // id -> {name, online, metrics, rate, lastConfirmed, lastAt}
  vehicles: new Map(),   // id -> {city, soc, state, el}
  sagas: new Map(),      // reservation id -> {coordinator, companies: Set, status, at}
  schedules: new Map(),  // station id -> schedule message
  links: new Map(),      // "a -> b" -> connected
  messages: 0,
  skipped: 0,
  confirmed: 0,
  byStatus: new Map(),   // reservation status -> changes heard since the page opened
  selected: null,
  bounds: null,
};

// ---- projection: the cities' (or stations') bounding box, equirectangular ----
function fitBounds() {
  const places = state.cities.size ? [...state.cities.values()] : [...state.stations.values()];
  if (!places.length) return;
  let [minLat, maxLat, minLon, maxLon] = [90, -90, 180, -180];
  for (const p of places) {
    minLat = Math.min(minLat, p.lat); maxLat = Math.max(maxLat, p.lat);
    minLon = Math.min(minLon, p.lon); maxLon = Math.max(maxLon, p.lon);
  }
  const k = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);
  const w = (maxLon - minLon) * k, h = maxLat - minLat;
  const scale = 940 / Math.max(w, h, 1e-6);
  state.bounds = { minLon, maxLat, k, scale, dx: (1000 - w * scale) / 2, dy: (1000 - h * scale) / 2 };
}
function xy(lat, lon) {
  const b = state.bounds;
  return [b.dx + (lon - b.minLon) * b.k * b.scale, b.dy + (b.maxLat - lat) * b.scale];
}
function el(tag, attrs, parent) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

// ---- drawing ----
function drawMap() {
  fitBounds();
  const roads = document.getElementById("roads"), cities = document.getElementById("cities");
  roads.replaceChildren();
  cities.replaceChildren();
  for (const r of state.roads) {
    const a = state.cities.get(r.a), b = state.cities.get(r.b);
    if (!a || !b) continue;
    const [x1, y1] = xy(a.lat, a.lon), [x2, y2] = xy(b.lat, b.lon);
    el("line", { class: "road", x1, y1, x2, y2 }, roads).appendChild(title(r.highway || ""));
  }
  for (const [id, c] of state.cities) {
    const [x, y] = xy(c.lat, c.lon);
    el("circle", { class: "city", cx: x, cy: y, r: 1.6, "data-city": id }, cities)
      .appendChild(title(c.name));
    if (c.population > 250000) {
      el("text", { class: "city-label", x: x + 4, y: y - 3 }, cities).textContent = c.name;
    }
  }
  for (const s of state.stations.values()) placeStation(s);
  for (const v of state.vehicles.values()) placeVehicle(v);
}
function title(text) {
  const t = document.createElementNS(SVG, "title");
  t.textContent = text;
  return t;
}
function stationClass(s) {
  const statuses = s.points.map((p) => s.status.get(p.id) || "AVAILABLE");
  if (statuses.length && statuses.every((st) => DOWN.has(st))) return "DOWN";
  if (statuses.some((st) => BUSY.has(st))) return "BUSY";
  if (statuses.some((st) => DOWN.has(st))) return "BUSY";
  return "AVAILABLE";
}
function placeStation(s) {
  if (!state.bounds) fitBounds();
  if (!state.bounds) return;
  if (!s.el) {
    s.el = el("circle", { class: "station", r: 5, "data-station": s.id },
              document.getElementById("stations"));
    s.el.appendChild(title(""));
    s.el.addEventListener("click", () => select(s.id));
  }
  // Stations of one city on a small ring around it, so each can be clicked.
  const [x0, y0] = xy(s.lat, s.lon);
  const near = [...state.stations.values()].filter((o) => o.city === s.city).map((o) => o.id).sort();
  const k = near.indexOf(s.id), ring = near.length > 1 ? 6 + near.length : 0;
  const x = x0 + ring * Math.cos((2 * Math.PI * k) / near.length);
  const y = y0 + ring * Math.sin((2 * Math.PI * k) / near.length);
  s.el.setAttribute("cx", x);
  s.el.setAttribute("cy", y);
  s.el.setAttribute("class", `station ${stationClass(s)}${state.selected === s.id ? " selected" : ""}`);
  s.el.firstChild.textContent = `${s.name} (${s.company})`;
}
function placeVehicle(v) {
  const c = state.cities.get(v.city) || cityOfStations(v.city);
  if (!c || !state.bounds) return;
  if (!v.el) {
    v.el = el("circle", { class: "vehicle", r: 3.5, "data-vehicle": v.id },
              document.getElementById("vehicles"));
    v.el.appendChild(title(""));
  }
  // A little apart, so vehicles in one city do not hide each other.
  const [x, y] = xy(c.lat, c.lon);
  const h = [...v.id].reduce((a, ch) => (a * 31 + ch.charCodeAt(0)) >>> 0, 7);
  v.el.setAttribute("cx", x + ((h % 13) - 6));
  v.el.setAttribute("cy", y + (((h >> 4) % 13) - 6));
  v.el.firstChild.textContent = `${v.id}: ${v.state}, ${Math.round(v.soc * 100)} % at ${v.city}`;
}
function cityOfStations(city) {
  for (const s of state.stations.values()) if (s.city === city) return s;
  return null;
}
function companyCentre(company) {
  let lat = 0, lon = 0, n = 0;
  for (const s of state.stations.values()) {
    if (s.company === company) { lat += s.lat; lon += s.lon; ++n; }
  }
  return n ? [lat / n, lon / n] : null;
}
function drawArcs() {
  const g = document.getElementById("arcs");
  g.replaceChildren();
  const now = Date.now();
  for (const [id, s] of state.sagas) {
    if (now - s.at > 8000) { state.sagas.delete(id); continue; }
    const from = companyCentre(s.coordinator);
    if (!from || !state.bounds) continue;
    for (const c of s.companies) {
      if (c === s.coordinator) continue;
      const to = companyCentre(c);
      if (!to) continue;
      const [x1, y1] = xy(...from), [x2, y2] = xy(...to);
      const mx = (x1 + x2) / 2 - (y2 - y1) * 0.2, my = (y1 + y2) / 2 + (x2 - x1) * 0.2;
      el("path", { class: `arc ${s.status}`, d: `M${x1},${y1} Q${mx},${my} ${x2},${y2}`,
                   "data-saga": id }, g);
    }
  }
}

// ---- panels ----
function renderCompanies() {
  const body = document.querySelector("#companies tbody");
  body.replaceChildren();
  for (const [id, c] of [...state.companies].sort()) {
    const tr = document.createElement("tr");
    tr.dataset.company = id;
    const failures = Object.entries(c.metrics?.counters || {})
      .filter(([k, n]) => k.startsWith("errors.") && n > 0)
      .map(([k, n]) => `${k.slice(7)} ${n}`).join(", ");
    const cells = [c.name || id, c.online === undefined ? "?" : c.online ? "online" : "OFFLINE",
      [...state.stations.values()].filter((s) => s.company === id).length,
      c.rate === undefined ? "–" : c.rate.toFixed(1),
      c.metrics ? c.metrics.latency_p50_ms.toFixed(1) : "–",
      c.metrics ? c.metrics.latency_p99_ms.toFixed(1) : "–", failures || "none"];
    cells.forEach((v, i) => {
      const td = document.createElement("td");
      td.textContent = v;
      if (i === 1) td.className = c.online ? "online" : "offline";
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
  const links = document.getElementById("links");
  links.replaceChildren();
  for (const [link, up] of state.links) {
    const li = document.createElement("li");
    li.textContent = `bridge ${link}: ${up ? "connected" : "DOWN"}`;
    links.appendChild(li);
  }
}
function renderCounters() {
  const set = (id, v) => { document.getElementById(id).textContent = v; };
  set("count-stations", state.stations.size);
  set("count-vehicles", state.vehicles.size);
  set("count-sagas", state.sagaCount || 0);
  let total = 0;
  for (const c of state.companies.values()) total += c.lastConfirmed || 0;
  set("count-confirmed", total);
  set("count-confirmed-seen", state.confirmed);
  set("by-status", [...state.byStatus].sort().map(([k, n]) => `${k} ${n}`).join(" · ") || "none yet");
  if (state.networkTime) {
    set("network-clock", `network clock ${new Date(state.networkTime).toLocaleString([], {
      timeZone: state.networkZone || undefined, weekday: "short", day: "2-digit", month: "short",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short" })}`);
  }
  set("count-messages", state.messages);
  document.getElementById("skipped").textContent = `skipped: ${state.skipped}`;
  document.getElementById("clock").textContent = new Date().toLocaleTimeString([], { timeZoneName: "short" });
}
function recent(text) {
  const ol = document.getElementById("recent");
  const li = document.createElement("li");
  li.textContent = text;
  ol.prepend(li);
  while (ol.children.length > 8) ol.lastChild.remove();
}
function select(id) {
  const previous = state.stations.get(state.selected);
  state.selected = id;
  if (previous) placeStation(previous);
  const s = state.stations.get(id);
  if (!s) return;
  placeStation(s);
  document.getElementById("station").hidden = false;
  document.getElementById("station-name").textContent = s.name;
  document.getElementById("station-where").textContent = `${s.company} · ${s.city} · ${s.time_zone}`;
  const body = document.querySelector("#station-points tbody");
  body.replaceChildren();
  for (const p of s.points) {
    const tr = document.createElement("tr");
    for (const v of [p.id, p.max_power_kw, p.connector, s.status.get(p.id) || "AVAILABLE"]) {
      const td = document.createElement("td");
      td.textContent = v;
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  renderTimeline(s);
}
// The bookings of the next hours at each point of the selected station, from
// its retained schedule.
function renderTimeline(s) {
  const div = document.getElementById("timeline");
  div.replaceChildren();
  const sched = state.schedules.get(s.id);
  if (!sched) { div.textContent = "no schedule heard yet"; return; }
  const from = Date.parse(sched.from), to = Date.parse(sched.to), span = Math.max(to - from, 1);
  const zone = s.time_zone || undefined;
  const hhmm = (t) => new Date(t).toLocaleTimeString([], { timeZone: zone, hour: "2-digit",
                                                          minute: "2-digit", timeZoneName: "short" });
  for (const p of sched.points) {
    const lane = document.createElement("div");
    lane.className = "lane";
    lane.innerHTML = `<span>${p.point}</span><div class="track"></div>`;
    for (const t of p.taken) {
      const a = Math.max(Date.parse(t.start_at), from), b = Math.min(Date.parse(t.end_at), to);
      if (b <= a) continue;
      const bar = document.createElement("div");
      bar.className = `booking ${t.kind === "booking" ? "" : t.kind}`;
      bar.style.left = `${((a - from) / span) * 100}%`;
      bar.style.width = `${Math.max(((b - a) / span) * 100, 0.5)}%`;
      bar.title = `${hhmm(a)} – ${hhmm(b)} (${t.kind})`;
      bar.dataset.start = t.start_at;
      lane.lastChild.appendChild(bar);
    }
    div.appendChild(lane);
  }
  const axis = document.createElement("div");
  axis.className = "axis";
  for (const t of [from, (from + to) / 2, to]) {
    const span = document.createElement("span");
    span.textContent = hhmm(t);
    axis.appendChild(span);
  }
  div.appendChild(axis);
}

// ---- messages ----
class Skip extends Error {}
function need(cond, why) { if (!cond) throw new Skip(why); }
function num(v) { need(typeof v === "number" && isFinite(v), "not a number"); return v; }
function str(v) { need(typeof v === "string", "not a string"); return v; }

const handlers = [
  [/^world\/map$/, (m) => {
    need(m.type === "map" && Array.isArray(m.cities) && Array.isArray(m.roads), "not a map");
    state.cities.clear();
    for (const c of m.cities) state.cities.set(str(c.id), { name: str(c.name), lat: num(c.lat), lon: num(c.lon), population: c.population || 0 });
    state.roads = m.roads.map((r) => ({ a: str(r.a), b: str(r.b), highway: r.highway }));
    drawMap();
  }],
  [/^companies\/([a-z0-9-]+)\/info$/, (m, c) => {
    need(m.type === "company.info", "not company.info");
    company(c).name = str(m.name);
  }],
  [/^companies\/([a-z0-9-]+)\/status$/, (m, c) => {
    need(m.type === "company.status" && typeof m.online === "boolean", "not company.status");
    company(c).online = m.online;
    if (m.time_zone && !state.networkZone) state.networkZone = str(m.time_zone);
  }],
  [/^companies\/([a-z0-9-]+)\/metrics$/, (m, c) => {
    need(m.type === "company.metrics" && m.counters && typeof m.counters === "object", "not company.metrics");
    num(m.latency_p50_ms); num(m.latency_p99_ms);
    const co = company(c), at = Date.parse(m.timestamp), confirmed = m.counters["reservations.confirmed"] || 0;
    if (co.lastAt !== undefined && at > co.lastAt) co.rate = ((confirmed - co.lastConfirmed) * 1000) / (at - co.lastAt);
    co.lastAt = at; co.lastConfirmed = confirmed; co.metrics = m;
    if (!state.networkTime || at > state.networkTime) state.networkTime = at;
  }],
  [/^companies\/([a-z0-9-]+)\/stations\/([a-z0-9._-]+)$/, (m, c, id, raw) => {
    if (raw === "") { removeStation(id); return; }
    need(m.type === "station" && Array.isArray(m.points) && m.coordinates, "not a station");
    const old = state.stations.get(id);
    const s = { id, company: c, name: str(m.name || id), city: str(m.city), time_zone: m.time_zone || "",
                lat: num(m.coordinates.lat), lon: num(m.coordinates.lon), points: m.points,
                status: old ? old.status : new Map(), el: old ? old.el : null };
    state.stations.set(id, s);
    if (!old) state.boundsStale = !state.cities.size;
    for (const o of state.stations.values()) if (o.city === s.city) placeStation(o);
    if (state.selected === id) select(id);
  }],
  [/^companies\/([a-z0-9-]+)\/stations\/([a-z0-9._-]+)\/availability$/, (m, c, id, raw) => {
    if (raw === "") return;
    need(m.type === "station.availability" && Array.isArray(m.points), "not station.availability");
    const s = state.stations.get(id);
    if (!s) return;  // its station arrives next
    for (const p of m.points) s.status.set(str(p.point), str(p.status));
    placeStation(s);
    if (state.selected === id) select(id);
  }],
  [/^companies\/([a-z0-9-]+)\/stations\/([a-z0-9._-]+)\/schedule$/, (m, c, id, raw) => {
    if (raw === "") return;
    need(m.type === "station.schedule" && Array.isArray(m.points), "not station.schedule");
    state.schedules.set(id, m);
    if (state.selected === id) renderTimeline(state.stations.get(id));
  }],
  [/^companies\/([a-z0-9-]+)\/events\/saga$/, (m, c) => {
    need(m.type === "event.saga", "not event.saga");
    const id = str(m.reservation_id), status = str(m.status);
    let s = state.sagas.get(id);
    if (!s) {
      s = { coordinator: c, companies: new Set([c]), status: "", at: Date.now() };
      state.sagas.set(id, s);
      state.sagaCount = (state.sagaCount || 0) + 1;
    }
    s.companies.add(c);
    if (!status.startsWith("participant.")) { s.coordinator = c; s.status = status; }
    s.at = Date.now();
  }],
  [/^companies\/([a-z0-9-]+)\/events\/reservation$/, (m, c) => {
    need(m.type === "event.reservation", "not event.reservation");
    if (m.status === "confirmed") ++state.confirmed;
    const status = str(m.status);
    state.byStatus.set(status, (state.byStatus.get(status) || 0) + 1);
    if (m.status === "failed" || m.status === "expired" || m.status === "lost") {
      recent(`${c} ${m.reservation_id} ${m.status}${m.detail ? ": " + m.detail : ""}`);
    }
  }],
  [/^companies\/([a-z0-9-]+)\/bridges\/([a-z0-9-]+)$/, (m, c, peer, raw) => {
    need(raw === "0" || raw === "1", "not a bridge state");
    state.links.set(`${c} -> ${peer}`, raw === "1");
  }],
  [/^vehicles\/([A-Za-z0-9_-]+)\/telemetry$/, (m, v) => {
    need(m.type === "vehicle.telemetry", "not vehicle.telemetry");
    let veh = state.vehicles.get(v);
    if (!veh) { veh = { id: v, el: null }; state.vehicles.set(v, veh); }
    veh.city = str(m.city); veh.soc = num(m.soc); veh.state = str(m.state);
    placeVehicle(veh);
  }],
  // Requests, replies, saga steps and notices: counted, not drawn.
  [/^(companies\/[a-z0-9-]+\/(requests|replies|saga|admin)|vehicles\/[A-Za-z0-9_-]+\/(replies|events))(\/|$)/, () => {}],
];
function company(id) {
  if (!state.companies.has(id)) state.companies.set(id, {});
  return state.companies.get(id);
}
function removeStation(id) {
  const s = state.stations.get(id);
  if (s && s.el) s.el.remove();
  state.stations.delete(id);
}
function onMessage(topic, payload) {
  ++state.messages;
  try {
    need(topic.startsWith(ROOT), "outside the tree");
    const rest = topic.slice(ROOT.length), raw = payload.toString();
    for (const [re, handle] of handlers) {
      const m = re.exec(rest);
      if (!m) continue;
      let msg = null;
      if (raw !== "" && raw !== "0" && raw !== "1") {
        try { msg = JSON.parse(raw); } catch { throw new Skip("not JSON"); }
        need(msg && typeof msg === "object", "not an object");
      }
      handle(msg || {}, ...m.slice(1).filter((x, i) => i < 2 && x !== undefined), raw);
      return;
    }
    throw new Skip("unknown topic");
  } catch (e) {
    ++state.skipped;
    if (!(e instanceof Skip)) console.error(topic, e);
  }
}

// ---- connection ----
function connect() {
  const q = new URLSearchParams(location.search);
  const url = q.get("ws") || "ws://127.0.0.1:9001";
  const status = document.getElementById("connection");
  const client = mqtt.connect(url, {
    username: q.get("user") || "monitor",
    password: q.get("password") || "",
    clientId: `map-${Math.random().toString(16).slice(2, 10)}`,
    clean: true,
    reconnectPeriod: 2000,
  });
  client.on("connect", () => {
    status.dataset.state = "connected";
    status.textContent = `connected to ${url}`;
    client.subscribe(`${ROOT}#`, { qos: 0 });
  });
  client.on("reconnect", () => { status.dataset.state = "connecting"; status.textContent = `reconnecting to ${url}…`; });
  client.on("error", (e) => { status.dataset.state = "failed"; status.textContent = `${url}: ${e.message}`; });
  client.on("message", onMessage);
}

setInterval(() => {
  // Without the road map yet, the stations heard so far set the frame.
  if (state.boundsStale) {
    state.boundsStale = false;
    drawMap();
  }
  renderCompanies();
  renderCounters();
  drawArcs();
}, 500);
connect();
