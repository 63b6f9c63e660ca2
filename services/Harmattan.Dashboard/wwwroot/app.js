"use strict";

// Maps rather than objects, whose prototype would answer for a quantity named `constructor` (the quantity name rule allows it).
// WHO global air quality guidelines 2021, 24-hour mean (µg/m³).
const GUIDELINES = new Map([["pm2_5", 15], ["pm10", 45]]);
const LABELS = new Map(Object.entries({
  co: ["CO", "mg/m³"], no2: ["NO₂", ""], o3: ["O₃", ""], pm10: ["PM10", "µg/m³"], pm2_5: ["PM2.5", "µg/m³"],
  temperature: ["Temperature", "°C"], relative_humidity: ["Relative humidity", "%"],
  // The board's own sensor reads on AirQino's scale (about 90 to 510 at the default stations), not in °C.
  internal_temperature: ["Internal temperature", ""],
}));
const DEFAULT_QUANTITIES = ["pm2_5", "co"];
const DEFAULT_DAYS = 30;
const COLORS = { complete: "#2f6f8f", incomplete: "#9a6a00", guideline: "#c0392b", hourly: "#c2631b" };

const state = { stations: [], station: null, daily: null, dailyRequest: 0, dayRequest: 0, selected: new Set(DEFAULT_QUANTITIES), charts: [], hourlyChart: null };
const $ = (id) => document.getElementById(id);

function label(q) { return (LABELS.get(q) ?? [q.replace(/_/g, " "), ""])[0]; }
function unit(q) { return (LABELS.get(q) ?? ["", ""])[1]; }
function withUnit(q) { return unit(q) ? `${label(q)} (${unit(q)})` : label(q); }
// As `harmattan run` prints a mean (up to three decimals, of the number rounded to 15 significant digits as .NET does),
// except below 0.001, which it prints as 0 or 0.001: two significant digits there, so a small mean never reads 0.
function number(v) {
  if (v === null || v === undefined) return "—";
  const tiny = v !== 0 && Math.abs(v) < 0.001;
  return new Intl.NumberFormat(undefined, tiny ? { maximumSignificantDigits: 2 } : { maximumFractionDigits: 3 }).format(v.toPrecision(15));
}
function percent(v) { return `${Math.round(v * 100)} %`; }
function isoDay(date, timeZone) {
  // From the parts, not format(): a locale's pattern varies between browsers' versions (en-CA gave M/D/YYYY in some).
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(date);
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}
function addDays(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
// As "+02:00", the form the API's hours carry their offsets in.
function utcOffset(instant, timeZone) {
  const name = new Intl.DateTimeFormat("en-GB", { timeZone, timeZoneName: "longOffset" })
    .formatToParts(instant).find((p) => p.type === "timeZoneName").value;
  return name === "GMT" ? "+00:00" : name.slice(3);
}
function age(seconds) {
  if (seconds === null) return "no data";
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60);
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min`;
}
function ageClass(seconds) {
  if (seconds === null || seconds > 86400) return "bad";
  return seconds > 3 * 3600 ? "warn" : "good";
}
function lastHourStored(s) {
  return s.lastHour
    ? new Intl.DateTimeFormat("en-GB", { timeZone: s.timeZone, dateStyle: "medium", timeStyle: "short" }).format(new Date(s.lastHour))
    : "never";
}
// What the charts cannot say themselves: a station without data, or one whose data stopped (its range ends on its last day).
function stationNotice(s) {
  const name = s.name || s.id;
  if (!s.lastHour) return `${name} has no data in the store yet: it has not been fetched, or its source had no hour.`;
  if (ageClass(s.dataAgeSeconds) === "bad")
    return `No new data from ${name} for ${age(s.dataAgeSeconds)}: the last hour stored is ${lastHourStored(s)}, so the range ends on that day.`;
  return "";
}
// A stored day not complete is either still running (fetched before it ended and due to be fetched again, which says
// nothing of its data) or incomplete.
function dayState(d) {
  return d.isComplete ? "complete" : d.isRunning ? "running" : "incomplete";
}
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    // A style set through the DOM, not as an attribute: the page's Content-Security-Policy refuses inline style attributes.
    if (k === "class") node.className = v; else if (k === "style") node.style.cssText = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v); else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

async function getJson(url) {
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" } });
  } catch {
    // The browser's own words ("Failed to fetch", "NetworkError when attempting to fetch resource") say nothing to do.
    throw new Error("The dashboard did not answer: it may have stopped, or the network is down. Try again, or reload the page.");
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.detail || `${url} answered ${response.status}`);
  if (body === null) throw new Error("The dashboard's answer could not be read (cut short on a slow link?). Try again, or reload the page.");
  return body;
}
function showMessage(text, isError = false) {
  const message = $("message");
  message.hidden = !text;
  message.textContent = text || "";
  message.classList.toggle("error", isError);
}
// What is being read, said in a live region and beside the charts, which are marked busy meanwhile; "" when done.
function showLoading(text) {
  $("loading").hidden = !text;
  $("loading").textContent = text || "";
  $("charts").setAttribute("aria-busy", String(!!text));
}
function lastDay(s) {
  // The range ends on the last stored day, so a station with old data still opens on its data.
  return s.lastHour ? isoDay(new Date(s.lastHour), s.timeZone) : s.last30Days.to;
}
// A date typed from the keyboard passes through others on its way (0002, 0020, 0202 while 2026 is typed; 2023-01-30 while
// the month 12 is typed, for as long as the typist pauses; a Backspace empties the field). A pause in the typing (700 ms)
// loads the range as typed if it is one, a whole date of a four-digit year (the fields' min) at each end, in order; only
// leaving the field, Enter or the picker moves the other end along when it was passed.
const TYPING_PAUSE_MS = 700;
function onDateChosen(input, takeOtherAlong) {
  let pending = null, changed = false, previewed = null, lastKey = -Infinity;
  const range = () => `${$("from").value}/${$("to").value}`;
  const preview = () => {
    pending = null;
    if (!$("from").checkValidity() || !$("to").checkValidity() || $("from").value > $("to").value) return;
    previewed = range();
    loadDaily();
  };
  const commit = () => {
    clearTimeout(pending);
    pending = null;
    if (!changed) return;
    changed = false;
    if (!input.checkValidity()) return;
    takeOtherAlong();
    if (range() !== previewed) loadDaily();
    previewed = null;
  };
  input.addEventListener("keydown", (e) => {
    lastKey = performance.now();
    if (e.key === "Enter") { e.preventDefault(); commit(); }
  });
  input.addEventListener("change", () => {
    changed = true;
    clearTimeout(pending);
    pending = performance.now() - lastKey < TYPING_PAUSE_MS ? setTimeout(preview, TYPING_PAUSE_MS) : setTimeout(commit, 0);
  });
  input.addEventListener("blur", (e) => {
    const button = e.relatedTarget?.closest(".ranges button");
    if (!button) {
      commit();
      return;
    }
    // A quick range clicked sets both ends from "To" itself: the range typed would be asked for and thrown away. It is
    // asked for once the button is left without a click (Tab passes over it on the way).
    clearTimeout(pending);
    pending = null;
    const settle = (event) => {
      button.removeEventListener("click", settle);
      button.removeEventListener("blur", settle);
      if (event.type === "blur") {
        commit();
      } else {
        changed = false;
        previewed = null;
      }
    };
    button.addEventListener("click", settle);
    button.addEventListener("blur", settle);
  });
}

// Without the chart library (a slow or broken connection) the tables still show every value: they are opened instead.
const CHARTLESS = "The chart library (vendor/chart.umd.min.js) could not be loaded, on a slow or broken connection: " +
  "the tables below show the values; reload the page for the charts.";
function chartsLoaded() { return typeof Chart !== "undefined"; }

async function start() {
  if (chartsLoaded()) {
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#5d6b73";
  } else {
    $("charts").append(el("p", { class: "message error" }, CHARTLESS));
    $("announce").textContent = CHARTLESS;
    $("days-details").open = true;
  }
  showLoading("Loading the stations…");
  try {
    const answer = await getJson("api/stations");
    state.stations = answer.stations;
  } catch (error) {
    showMessage(`The stations could not be read: ${error.message}`, true);
    return;
  } finally {
    showLoading("");
  }
  renderFreshness();
  // The configured stations are listed before any fetch: a fresh store is one without a station with data.
  if (!state.stations.some((s) => s.lastHour)) {
    showMessage("No station has data in the store yet: run `harmattan run --once` or a backfill, then reload this page.");
    $("controls").hidden = true;
    return;
  }
  const select = $("station");
  for (const s of state.stations) select.append(el("option", { value: s.id }, s.name ? `${s.name} · ${s.id}` : s.id));
  const fromUrl = new URLSearchParams(location.search).get("station");
  const first = state.stations.find((s) => s.id === fromUrl) || state.stations.find((s) => s.lastHour) || state.stations[0];
  select.value = first.id;
  select.addEventListener("change", () => chooseStation(select.value));
  // An end moved past the other one takes it along, rather than asking the API for a range it refuses.
  onDateChosen($("from"), () => { if (!$("to").value || $("from").value > $("to").value) $("to").value = $("from").value; });
  onDateChosen($("to"), () => { if (!$("from").value || $("to").value < $("from").value) $("from").value = $("to").value; });
  for (const button of document.querySelectorAll(".ranges button")) {
    button.addEventListener("click", () => {
      // An end emptied from the keyboard is the station's last day again.
      if (!$("to").checkValidity()) $("to").value = lastDay(state.station);
      $("from").value = addDays($("to").value, 1 - Number(button.dataset.days));
      loadDaily();
    });
  }
  chooseStation(first.id);
}

function chooseStation(id) {
  state.station = state.stations.find((s) => s.id === id);
  // Until its days come (seconds on a slow link) the charts, notice, days and error of the station before would pass for
  // its own.
  if (state.daily?.stationId !== id) {
    removeCharts();
    $("quantities").replaceChildren();
    $("days-table").replaceChildren();
    state.daily = null;
  }
  showMessage("");
  const last = lastDay(state.station);
  $("to").value = last;
  $("from").value = addDays(last, 1 - DEFAULT_DAYS);
  loadDaily();
}

async function loadDaily() {
  const { id } = state.station;
  const from = $("from").value, to = $("to").value;
  // An end being typed, or typed past four digits of year, is no range to ask for.
  if (!from || !to || !$("from").checkValidity() || !$("to").checkValidity()) return;
  $("day").hidden = true;
  // Only the answer to the latest request is drawn: an earlier one, for another station or range, may arrive after it.
  const request = ++state.dailyRequest;
  showLoading(`Loading the days of ${state.station.name || id} from ${from} to ${to}…`);
  let daily;
  try {
    daily = await getJson(`api/stations/${encodeURIComponent(id)}/daily?from=${from}&to=${to}`);
  } catch (error) {
    if (request !== state.dailyRequest) return;
    showLoading("");
    // The charts of the station or range shown before would pass for the one chosen.
    removeCharts();
    $("quantities").replaceChildren();
    $("days-table").replaceChildren();
    showMessage(error.message, true);
    return;
  }
  if (request !== state.dailyRequest) return;
  showLoading("");
  state.daily = daily;
  // Days that hold none of the quantities chosen (another station's sensors) show two they hold, the defaults first;
  // a choice emptied by hand stays empty until the next days come.
  const available = daily.quantities;
  if (![...state.selected].some((q) => available.includes(q))) {
    [...DEFAULT_QUANTITIES.filter((q) => available.includes(q)), ...available].slice(0, 2).forEach((q) => state.selected.add(q));
  }
  const stored = state.daily.days.length;
  showMessage(stationNotice(state.station) || (stored === 0 ? `No days stored for this station from ${from} to ${to}.` : ""));
  renderChips();
  renderCharts();
  renderDaysTable();
}

function renderChips() {
  const chips = $("quantities");
  chips.replaceChildren();
  for (const q of state.daily.quantities) {
    chips.append(el("button", {
      type: "button", "data-quantity": q, "aria-pressed": String(state.selected.has(q)),
      onclick: () => {
        if (state.selected.has(q)) state.selected.delete(q); else state.selected.add(q);
        renderChips();
        renderCharts();
        renderDaysTable();
      },
    }, label(q)));
  }
}

function shownQuantities() { return state.daily.quantities.filter((q) => state.selected.has(q)); }

function removeCharts() {
  state.charts.forEach((c) => c.destroy());
  state.charts = [];
  $("charts").replaceChildren();
}

function renderCharts() {
  removeCharts();
  const box = $("charts");
  if (!chartsLoaded()) box.append(el("p", { class: "message error" }, CHARTLESS));
  if (state.daily.quantities.length > 0 && shownQuantities().length === 0) {
    box.append(el("p", { class: "message" }, "No quantity chosen: press one above to chart its daily means."));
  }
  for (const q of shownQuantities()) {
    const series = dailySeries(q);
    const summary = el("p", { class: "summary" });
    writeSummary(summary, q, series);
    const card = el("section", { class: "card daily-card", "data-quantity": q }, el("h2", {}, `${withUnit(q)} · daily mean`), summary);
    box.append(card);
    // Without the chart library the card keeps its counts; the table of days holds the means.
    if (!chartsLoaded()) continue;
    const canvas = el("canvas", { "data-quantity": q, role: "img", "aria-label": `Daily means of ${label(q)}` });
    card.append(el("div", { class: "chart-box" }, canvas));
    state.charts.push(dailyChart(canvas, q, series));
  }
}

// Every day of the asked range, a day without a stored row as undefined, so the x axis keeps days never fetched.
function everyDayOfRange() {
  const stored = new Map(state.daily.days.map((d) => [d.date, d]));
  const dates = [];
  for (let day = state.daily.from; day <= state.daily.to; day = addDays(day, 1)) dates.push(day);
  return { dates, rows: dates.map((date) => stored.get(date)) };
}

// A quantity's daily means over the range, and which days are still running or incomplete.
function dailySeries(q) {
  const { dates, rows } = everyDayOfRange();
  const means = rows.map((d) => d?.quantities[q]?.mean ?? null);
  // A day fetched before it ended (today) is not complete yet, which says nothing of its data: drawn and counted apart.
  const running = rows.map((d) => d?.isRunning === true);
  const incomplete = rows.map((d, i) => d !== undefined && !d.isComplete && !running[i]);
  return { dates, rows, means, running, incomplete };
}

function writeSummary(summary, q, { rows, means, running, incomplete }) {
  const guideline = GUIDELINES.get(q);
  const withData = means.filter((m) => m !== null).length;
  const incompleteCount = means.filter((m, i) => incomplete[i] && m !== null).length;
  const runningCount = means.filter((m, i) => running[i] && m !== null).length;
  summary.replaceChildren(`${withData} days with data, ${incompleteCount} incomplete${runningCount > 0 ? `, ${runningCount} still running` : ""}. `);
  if (guideline !== undefined) {
    // The guideline is for a 24-hour mean: an incomplete day (or one still running) has the mean of some of its hours only.
    const complete = means.filter((m, i) => m !== null && rows[i].isComplete);
    const above = complete.filter((m) => m > guideline).length;
    summary.append(el("strong", { class: above > 0 ? "above guideline-count" : "guideline-count", "data-days-above": String(above) },
      `${above} of ${complete.length} complete days above the WHO 24-hour guideline (${guideline} ${unit(q)})`));
  }
}

function dailyChart(canvas, q, { dates, rows, means, running, incomplete }) {
  const guideline = GUIDELINES.get(q);
  const datasets = [{
    label: `${label(q)} daily mean`,
    data: means,
    borderColor: COLORS.complete,
    backgroundColor: incomplete.map((x, i) => (x || running[i] ? "#fff" : COLORS.complete)),
    pointBorderColor: incomplete.map((x) => (x ? COLORS.incomplete : COLORS.complete)),
    pointStyle: incomplete.map((x) => (x ? "triangle" : "circle")),
    // Over a long range full-size markers merge into a band that hides the gaps and the flagged days.
    pointRadius: incomplete.map((x, i) => (x ? (dates.length > 400 ? 4 : 6) : running[i] ? 3.5 : dates.length > 400 ? 1 : 3.5)),
    pointHoverRadius: 8,
    pointBorderWidth: incomplete.map((x, i) => (x || running[i] ? 2.5 : 1)),
    borderWidth: 2,
    tension: 0.25,
    spanGaps: false,
  }];
  if (guideline !== undefined) {
    datasets.push({
      label: `WHO 2021 24-hour guideline (${guideline} ${unit(q)})`,
      data: dates.map(() => guideline),
      borderColor: COLORS.guideline,
      borderDash: [6, 5],
      borderWidth: 2,
      pointStyle: "line",
      pointRadius: 0,
      pointHitRadius: 0,
      fill: false,
    });
  }
  return new Chart(canvas, {
    type: "line",
    data: { labels: dates, datasets },
    options: {
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "nearest", intersect: false, axis: "x" },
      scales: {
        x: { ticks: { maxRotation: 0, autoSkipPadding: 12 }, grid: { display: false } },
        y: { beginAtZero: true, title: { display: !!unit(q), text: unit(q) }, suggestedMax: guideline ? guideline * 1.2 : undefined },
      },
      plugins: {
        legend: { position: "bottom", labels: { usePointStyle: true, boxHeight: 6 } },
        tooltip: {
          filter: (item) => item.datasetIndex === 0,
          callbacks: {
            title: (items) => items[0].label,
            label: (item) => `${label(q)}: ${number(item.raw)} ${unit(q)}`,
            afterLabel: (item) => {
              const d = rows[item.dataIndex];
              const flag = { complete: "", running: " · still running", incomplete: " · incomplete" }[dayState(d)];
              return `${d.hoursCovered} of ${d.hoursInDay} hours${flag} · click for hours`;
            },
          },
        },
      },
      onClick: (_, elements) => {
        const hit = elements.find((e) => e.datasetIndex === 0);
        if (hit) showDay(dates[hit.index], q);
      },
      onHover: (event, elements) => { event.native.target.style.cursor = elements.length ? "pointer" : "default"; },
    },
  });
}

function renderDaysTable() {
  const table = $("days-table");
  const quantities = shownQuantities();
  table.replaceChildren(el("thead", {}, el("tr", {}, el("th", {}, "Day"), el("th", {}, "Hours"), el("th", {}, "Completeness"),
    ...quantities.map((q) => el("th", {}, withUnit(q))))));
  const body = el("tbody");
  for (const d of state.daily.days) {
    // A day in its first hour has none yet: it is running, not without data.
    const missing = d.hoursCovered === 0 && !d.isRunning;
    body.append(el("tr", {
      class: missing ? "missing" : dayState(d) === "incomplete" ? "incomplete" : "", "data-date": d.date, tabindex: "0",
      onclick: () => showDay(d.date, quantities[0]),
      onkeydown: (e) => {
        if (e.key !== "Enter" && e.key !== " ") return;
        e.preventDefault();
        showDay(d.date, quantities[0]);
      },
    }, el("td", {}, d.date, missing ? el("span", { class: "flag" }, "no data") : d.isComplete ? "" : el("span", { class: "flag" }, dayState(d))),
    el("td", {}, `${d.hoursCovered}/${d.hoursInDay}`), el("td", {}, percent(d.completeness)),
    ...quantities.map((q) => el("td", {}, number(d.quantities[q]?.mean ?? null)))));
  }
  table.append(body);
}

async function showDay(date, q) {
  const { id } = state.station;
  const request = state.dailyRequest;
  const dayRequest = ++state.dayRequest;
  // Only the answer for the newest click is drawn: the station, its range and the day may all have changed meanwhile.
  const superseded = () => request !== state.dailyRequest || dayRequest !== state.dayRequest;
  let day;
  try {
    day = await getJson(`api/stations/${encodeURIComponent(id)}/hourly?date=${date}`);
  } catch (error) {
    if (superseded()) return;
    openDayView(date, `${date} · hour by hour`, error.message);
    $("day").scrollIntoView({ behavior: "smooth", block: "nearest" });
    return;
  }
  if (superseded()) return;
  // The zone the day was cut in, which the station may have left since.
  const { timeZone } = day;
  const clock = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const byInstant = new Map(day.hours.map((h) => [new Date(h.hour).getTime(), h]));
  // AirQino's hours start on the UTC hour: in a zone of a half-hour offset (Asia/Kolkata) the day begins between two.
  const firstHour = Math.ceil(new Date(day.start).getTime() / 3600_000) * 3600_000;
  const instants = Array.from({ length: day.hoursInDay }, (_, i) => new Date(firstHour + i * 3600_000));
  const offsets = instants.map((instant) => utcOffset(instant, timeZone));
  // On the day the clocks change an hour repeats (or is skipped): its offset tells 02:00 +02:00 from 02:00 +01:00.
  const clocksChange = new Set(offsets).size > 1;
  const slots = instants.map((instant, i) => ({
    label: clocksChange ? `${clock.format(instant)} ${offsets[i]}` : clock.format(instant),
    row: byInstant.get(instant.getTime()),
  }));
  const quantity = q && day.quantities.includes(q) ? q : day.quantities[0];
  const covered = slots.filter((s) => s.row).length;
  openDayView(date, `${date} · hour by hour${quantity ? ` · ${withUnit(quantity)}` : ""}`);
  $("day-summary").textContent =
    `${slots.length} hours in this day (${timeZone}), ${covered} with data` +
    (day.day ? `; stored as ${dayState(day.day).replace("running", "still running")} (${percent(day.day.completeness)}).` : ".");
  // The hours open above the row or point that asked for them, where the focus does not go: said in a live region.
  $("announce").textContent = `Hours of ${date} shown above: ${$("day-summary").textContent}`;

  state.hourlyChart?.destroy();
  $("hourly-chart").parentElement.hidden = !chartsLoaded();
  if (!chartsLoaded()) $("hours-details").open = true;
  else state.hourlyChart = new Chart($("hourly-chart"), {
    type: "bar",
    data: {
      labels: slots.map((s) => s.label),
      datasets: [{
        label: quantity ? `${label(quantity)} hourly mean` : "no data",
        data: slots.map((s) => (quantity ? s.row?.quantities[quantity]?.mean ?? null : null)),
        backgroundColor: COLORS.hourly,
        borderRadius: 3,
      }],
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: { x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 6 } }, y: { beginAtZero: true } },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (item) => `${label(quantity)}: ${number(item.raw)} ${unit(quantity)}` } },
      },
    },
  });

  const shown = day.quantities.filter((x) => state.selected.has(x));
  const table = $("hours-table");
  table.replaceChildren(el("thead", {}, el("tr", {}, el("th", {}, "Hour"), ...shown.map((x) => el("th", {}, withUnit(x))))));
  const body = el("tbody");
  for (const s of slots)
    body.append(el("tr", { class: s.row ? "" : "missing" }, el("td", {}, s.label),
      ...shown.map((x) => el("td", {}, number(s.row?.quantities[x]?.mean ?? null)))));
  table.append(body);
  $("day").scrollIntoView({ behavior: "smooth", block: "nearest" });
}

// The hour view of a day shows its hours or, where the click that asked for them brought the eye, why they could not be
// read: never the hours of the day shown before, which would pass for those of this one.
function openDayView(date, title, error = "") {
  $("day").hidden = false;
  $("day-title").textContent = title;
  $("day-error").textContent = error;
  $("day-error").hidden = !error;
  $("day-hours").hidden = !!error;
  for (const row of document.querySelectorAll("#days-table tr")) row.classList.toggle("selected", row.dataset.date === date);
}

const FRESHNESS_COLUMNS = ["Data age", "Last 30 days", "Last hour stored", "Complete / incomplete / missing"];
function renderFreshness() {
  const table = $("freshness");
  table.replaceChildren(el("thead", {}, el("tr", {},
    el("th", {}, "Station"), ...FRESHNESS_COLUMNS.map((c) => el("th", {}, c)))));
  const body = el("tbody");
  // Each figure carries its column's name, which a phone shows beside it in place of the table's head.
  const cell = (i, attributes, ...children) => el("td", { ...attributes, "data-label": FRESHNESS_COLUMNS[i] }, ...children);
  for (const s of state.stations) {
    const r = s.last30Days;
    const bar = el("span", { class: "bar" }, el("i", { style: `width:${Math.round(r.completeness * 100)}%` }));
    body.append(el("tr", { "data-station": s.id },
      el("td", {}, el("span", { class: "station-name" }, s.name || s.id), el("span", { class: "station-id" }, s.name ? `${s.id} · ${s.timeZone}` : s.timeZone)),
      cell(0, { class: `age ${ageClass(s.dataAgeSeconds)}` }, age(s.dataAgeSeconds)),
      cell(1, {}, bar, percent(r.completeness)),
      cell(2, {}, lastHourStored(s)),
      cell(3, {}, `${r.complete} / ${r.incomplete} / ${r.missing}${r.running > 0 ? ` (${r.running} still running)` : ""}`)));
  }
  table.append(body);
}

document.addEventListener("DOMContentLoaded", start);
