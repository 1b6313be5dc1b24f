// The teacher's journal: choose group × discipline × period among what the API offers
// this teacher, see students × works with marks and absences, and write a cell. The
// screen never decides what is allowed: it sends the write and shows the server's answer
// (a closed period, a mark someone changed meanwhile …) in the server's words.

import {
  DELETE_MARK,
  graphql,
  JOURNAL,
  PERIODS,
  refusal,
  SET_ATTENDANCE,
  SET_MARK,
} from "./api.js";
import { h, messageBox, replace } from "./dom.js";
import { fullDate, markText, shortDate, t } from "./i18n.js";

const MARKS = ["5", "4", "3", "2", "pass", "fail"];
const ATTENDANCE_SHORT = { ABSENT: "absentShort", LATE: "lateShort" };

function unique(items, key) {
  const seen = new Map();
  for (const item of items) if (item && !seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

function days(period) {
  return (Date.parse(period.endsOn) - Date.parse(period.startsOn)) / 86400000;
}

/** The period a teacher most likely means: open, current, the shortest (a quarter before its year). */
function defaultPeriod(periods) {
  const open = periods.filter((p) => p.isCurrent && !p.isClosed);
  open.sort((a, b) => days(a) - days(b));
  return (open[0] || periods[0] || {}).id;
}

function select(id, label, options, chosen, onchange = null) {
  const element = h(
    "select",
    { id, name: id, onchange },
    options.map(([value, text]) => h("option", { value, selected: value === chosen }, text)),
  );
  return [h("label", { for: id }, label), element];
}

export async function journalScreen(main, viewer) {
  const message = messageBox();
  const assignments = viewer.employee.teachingAssignments.filter((a) => a.group && a.discipline);
  const gridArea = h("div", { className: "grid-area" });
  const editorArea = h("div", { className: "editor-area" });
  replace(main, h("h2", {}, t("journalTitle")), h("p", {}, t("loading")));

  let periods = [];
  try {
    const { data, errors } = await graphql(PERIODS);
    if (errors.length) message.error(errors[0].message);
    for (const year of data.institution?.academicYears || []) {
      for (const period of year.periods) periods.push({ ...period, yearName: year.name, inCurrentYear: year.isCurrent });
    }
  } catch (error) {
    message.error(error.message);
  }
  periods.sort((a, b) => Number(b.inCurrentYear) - Number(a.inCurrentYear) || a.startsOn.localeCompare(b.startsOn) || days(a) - days(b));

  const groups = unique(assignments.map((a) => a.group), (g) => g.id);
  if (!groups.length) {
    replace(main, h("h2", {}, t("journalTitle")), h("p", {}, t("noAssignments")));
    return;
  }
  const disciplinesOf = (groupId) =>
    unique(assignments.filter((a) => a.group.id === groupId).map((a) => a.discipline), (d) => d.id);

  const [groupLabel, groupSelect] = select(
    "journal-group",
    t("group"),
    groups.map((g) => [g.id, g.name]),
    groups[0].id,
    () => fillDisciplines(),
  );
  const [disciplineLabel, disciplineSelect] = select("journal-discipline", t("discipline"), [], null);
  const periodOption = (p) => `${p.name}, ${p.yearName}${p.isClosed ? ` — ${t("periodClosed")}` : ""}`;
  const [periodLabel, periodSelect] = select(
    "journal-period",
    t("period"),
    periods.map((p) => [p.id, periodOption(p)]),
    defaultPeriod(periods),
  );
  function fillDisciplines() {
    replace(
      disciplineSelect,
      disciplinesOf(groupSelect.value).map((d) => h("option", { value: d.id }, d.name)),
    );
  }
  fillDisciplines();

  const controls = h(
    "form",
    { className: "journal-controls", "aria-label": t("journalTitle") },
    h("div", {}, groupLabel, groupSelect),
    h("div", {}, disciplineLabel, disciplineSelect),
    h("div", {}, periodLabel, periodSelect),
    h("button", { type: "submit" }, t("openJournal")),
  );

  // What the grid shows and which cell is being edited, kept across reloads.
  let journal = null;
  let chosen = null; // {studentId, workId}
  let loads = 0; // only the latest load's answer is shown
  let freshGrid = true; // the next render shows a journal just opened


  async function load() {
    const variables = {
      group: groupSelect.value,
      discipline: disciplineSelect.value,
      period: periodSelect.value,
    };
    const ticket = ++loads;
    replace(gridArea, h("p", {}, t("loading")));
    try {
      const { data, errors } = await graphql(JOURNAL, variables);
      if (ticket !== loads) return false;
      journal = data.journal;
      if (!journal) {
        replace(gridArea);
        replace(editorArea);
        message.error(errors[0]?.message || "");
        return false;
      }
    } catch (error) {
      if (ticket !== loads) return false;
      replace(gridArea);
      message.error(error.message);
      return false;
    }
    render();
    return true;
  }

  controls.addEventListener("submit", async (event) => {
    event.preventDefault();
    chosen = null;
    freshGrid = true;
    message.clear();
    await load();
  });

  function cellAt(row, index) {
    const column = journal.columns[index];
    const lesson = journal.lessons[column.lessonIndex];
    const work = lesson.works.find((w) => w.id === column.workId);
    return {
      row,
      index,
      column,
      lesson,
      workTitle: work?.title || column.kind,
      mark: row.marks[index],
      markId: row.markIds[index],
      markVersion: row.markVersions[index],
      attendance: row.attendance[column.lessonIndex],
      attendanceVersion: row.attendanceVersions[column.lessonIndex],
    };
  }

  function cellText(cell) {
    const parts = [];
    if (cell.attendance) parts.push(t(ATTENDANCE_SHORT[cell.attendance]));
    if (cell.mark) parts.push(markText(cell.mark));
    return parts.join(" ");
  }

  function cellName(cell) {
    const contents = [cell.mark ? markText(cell.mark) : null, cell.attendance ? t(cell.attendance.toLowerCase()) : null]
      .filter(Boolean)
      .join(", ");
    const where = `${cell.row.fullName}, ${fullDate(cell.column.date)}, ${cell.workTitle}`;
    return contents ? `${where}: ${contents}` : where;
  }

  function render() {
    const { columns, rows } = journal;
    const caption = `${journal.group.name} · ${journal.discipline.name} · ${journal.period.name}`;
    if (!columns.length) {
      replace(gridArea, h("p", {}, caption), h("p", {}, t("noLessons")));
      replace(editorArea);
      return;
    }
    const head = h(
      "tr",
      {},
      h("th", { scope: "col", className: "name" }, t("student")),
      columns.map((column) => {
        const lesson = journal.lessons[column.lessonIndex];
        const work = lesson.works.find((w) => w.id === column.workId);
        return h("th", { scope: "col", title: `${fullDate(column.date)} ${work?.title || ""}` }, shortDate(column.date));
      }),
      h("th", { scope: "col" }, t("average")),
    );
    const body = rows.map((row) =>
      h(
        "tr",
        {},
        h("th", { scope: "row", className: "name" }, row.fullName),
        columns.map((_, index) => {
          const cell = cellAt(row, index);
          const selected = chosen && chosen.studentId === row.studentId && chosen.workId === cell.column.workId;
          return h(
            "td",
            { className: cell.attendance ? "absent" : null },
            h(
              "button",
              {
                type: "button",
                className: "cell",
                "aria-label": cellName(cell),
                "aria-pressed": selected ? "true" : "false",
                onclick: () => {
                  chosen = { studentId: row.studentId, workId: cell.column.workId };
                  message.clear();
                  render();
                  editorArea.querySelector("select")?.focus(); // a keyboard goes on there
                },
              },
              cellText(cell),
            ),
          );
        }),
        h("td", { className: "average" }, row.average == null ? "" : row.average.toFixed(2)),
      ),
    );
    // A re-render keeps the grid scrolled where it was; a journal just opened shows its
    // latest lessons (the right end), where a teacher usually writes.
    const before = gridArea.querySelector(".grid-scroll");
    const scrolled = before && !freshGrid ? before.scrollLeft : null;
    const scroller = h(
      "div",
      { className: "grid-scroll" },
      h("table", { className: "journal" }, h("caption", {}, caption), h("thead", {}, head), h("tbody", {}, body)),
    );
    replace(gridArea, scroller);
    scroller.scrollLeft = scrolled ?? scroller.scrollWidth;
    freshGrid = false;
    renderEditor();
  }

  function renderEditor() {
    const row = chosen && journal.rows.find((r) => r.studentId === chosen.studentId);
    const index = row ? journal.columns.findIndex((c) => c.workId === chosen.workId) : -1;
    if (index < 0) {
      replace(editorArea, h("p", { className: "hint" }, t("chooseCell")));
      return;
    }
    const cell = cellAt(row, index);
    const [markLabel, markSelect] = select(
      "cell-mark",
      t("mark"),
      MARKS.map((value) => [value, markText(value)]),
      cell.mark || "5",
    );
    const markForm = h(
      "form",
      { className: "cell-form" },
      markLabel,
      markSelect,
      h("button", { type: "submit" }, t("setMark")),
      cell.markId
        ? h("button", { type: "button", onclick: () => write(DELETE_MARK, "deleteMark", { id: cell.markId, expectedVersion: cell.markVersion }, t("markDeleted")) }, t("deleteMark"))
        : null,
    );
    markForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = markSelect.value;
      write(
        SET_MARK,
        "setMark",
        { work: cell.column.workId, student: row.studentId, value, expectedVersion: cell.markVersion },
        t("markSaved", { value: markText(value) }),
      );
    });
    const [attendanceLabel, attendanceSelect] = select(
      "cell-attendance",
      t("attendance"),
      [["", t("present")], ["ABSENT", t("absent")], ["LATE", t("late")]],
      cell.attendance || "",
    );
    const attendanceForm = h(
      "form",
      { className: "cell-form" },
      attendanceLabel,
      attendanceSelect,
      h("button", { type: "submit" }, t("setAttendance")),
    );
    attendanceForm.addEventListener("submit", (event) => {
      event.preventDefault();
      write(
        SET_ATTENDANCE,
        "setAttendance",
        {
          lesson: cell.lesson.id,
          student: row.studentId,
          status: attendanceSelect.value || null,
          expectedVersion: cell.attendanceVersion,
        },
        t("attendanceSaved"),
      );
    });
    const title = `${t("cellEditor")}: ${row.fullName}, ${fullDate(cell.column.date)}, ${cell.workTitle}`;
    replace(
      editorArea,
      h(
        "section",
        { className: "editor", "aria-labelledby": "cell-title" },
        h("h3", { id: "cell-title" }, title),
        cell.lesson.topic ? h("p", { className: "topic" }, cell.lesson.topic) : null,
        markForm,
        attendanceForm,
      ),
    );
  }

  /** Send one write; on success reload the journal (fresh versions), else show why not. */
  async function write(operation, field, input, done) {
    for (const button of editorArea.querySelectorAll("button")) button.disabled = true;
    try {
      const { data, errors } = await graphql(operation, { input });
      const refused = refusal(data[field]) || errors[0];
      if (refused) {
        message.error(refused.message);
        renderEditor();
        return;
      }
      if (await load()) {
        message.info(done);
        gridArea.querySelector('button[aria-pressed="true"]')?.focus(); // back to the cell
      }
    } catch (error) {
      message.error(error.message);
      renderEditor();
    }
  }

  replace(main, h("h2", {}, t("journalTitle")), controls, message.element, editorArea, gridArea);
  if (periods.length) await load();
}
