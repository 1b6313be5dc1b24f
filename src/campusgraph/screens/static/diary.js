// The diary of a parent's child (or a student's own): one week of lessons with topics,
// homework, marks and absences, and the final marks of the periods it overlaps.

import { DIARY, graphql } from "./api.js";
import { h, messageBox, replace } from "./dom.js";
import { dayTitle, markText, t } from "./i18n.js";

const ATTENDANCE = { ABSENT: "absent", LATE: "late" };

function iso(date) {
  return date.toISOString().slice(0, 10);
}

/** The Monday of the week of an ISO date. */
function monday(isoDate) {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  return iso(date);
}

function plusDays(isoDate, days) {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return iso(date);
}

function localToday() {
  const now = new Date();
  return iso(new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())));
}

export async function diaryScreen(main, viewer) {
  const message = messageBox();
  const output = h("div", { className: "diary-output" });
  const children = viewer.children;

  const childSelect = children.length > 1
    ? h("select", { id: "diary-child", name: "child" }, children.map((c) => h("option", { value: c.id }, c.fullName)))
    : null;
  const weekInput = h("input", { id: "diary-week", name: "week", type: "date", required: true, value: monday(localToday()) });
  const controls = h(
    "form",
    { className: "diary-controls", "aria-label": t("diaryTitle") },
    childSelect ? h("div", {}, h("label", { for: "diary-child" }, t("child")), childSelect) : null,
    h("div", {}, h("label", { for: "diary-week" }, t("weekFrom")), weekInput),
    h("button", { type: "submit" }, t("showWeek")),
    h("button", { type: "button", onclick: () => shift(-7) }, t("previousWeek")),
    h("button", { type: "button", onclick: () => shift(7) }, t("nextWeek")),
  );
  controls.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });

  function shift(days) {
    weekInput.value = plusDays(monday(weekInput.value || localToday()), days);
    load();
  }

  let loads = 0; // only the latest week asked for is shown

  async function load() {
    const ticket = ++loads;
    const from = weekInput.value || monday(localToday());
    const variables = { from, to: plusDays(from, 6), child: childSelect ? childSelect.value : null };
    message.clear();
    replace(output, h("p", {}, t("loading")));
    try {
      const { data, errors } = await graphql(DIARY, variables);
      if (ticket !== loads) return;
      const diary = data.viewer?.diary;
      if (!diary) {
        replace(output);
        message.error(errors[0]?.message || t("noDiary"));
        return;
      }
      if (errors.length) message.error(errors[0].message);
      render(diary);
    } catch (error) {
      if (ticket !== loads) return;
      replace(output);
      message.error(error.message);
    }
  }

  function render(diary) {
    const days = diary.days.filter((day) => day.lessons.length);
    replace(
      output,
      h("h3", {}, t("diaryOf", { name: diary.student.fullName })),
      days.length ? days.map(renderDay) : h("p", {}, t("noLessonsThisWeek")),
      diary.finalMarks.length
        ? h(
            "section",
            { "aria-labelledby": "final-marks" },
            h("h4", { id: "final-marks" }, t("finalMarks")),
            h(
              "ul",
              {},
              diary.finalMarks.map((f) => h("li", {}, `${f.disciplineName || ""}, ${f.periodName}: ${markText(f.value)}`)),
            ),
          )
        : null,
    );
  }

  function renderDay(day) {
    const id = `day-${day.date}`;
    return h(
      "section",
      { className: "day", "aria-labelledby": id },
      h("h4", { id }, dayTitle(day.date)),
      h(
        "table",
        {},
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            [t("slot"), t("discipline"), t("topic"), t("homework"), t("marks"), t("attendance")].map((c) =>
              h("th", { scope: "col" }, c),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          day.lessons.map((lesson) =>
            h(
              "tr",
              { "data-lesson-id": lesson.id, className: lesson.attendance ? "absent" : null },
              h("td", {}, lesson.slot),
              h("th", { scope: "row" }, lesson.disciplineName || "", lesson.teacherName ? h("small", {}, ` ${lesson.teacherName}`) : null),
              h("td", {}, lesson.topic || ""),
              h("td", {}, [lesson.homework, lesson.individualHomework].filter(Boolean).join("; ")),
              h(
                "td",
                { className: "marks" },
                lesson.works
                  .filter((w) => w.mark)
                  .map((w) => h("span", { className: "mark", title: w.title || w.kind }, markText(w.mark))),
              ),
              h("td", { className: "attendance" }, lesson.attendance ? t(ATTENDANCE[lesson.attendance]) : ""),
            ),
          ),
        ),
      ),
    );
  }

  replace(main, h("h2", {}, t("diaryTitle")), controls, message.element, output);
  await load();
}
