// The screens' own words, in the language the browser prefers (Russian unless it asks for
// English), and the same language asked of the server (Accept-Language), so a screen never
// mixes its labels in one language with the server's messages in another.

const TEXTS = {
  ru: {
    title: "CampusGraph — примеры экранов",
    demoNote: "Демонстрационные экраны: журнал преподавателя и дневник. Они работают только через публичный GraphQL API.",
    signInTitle: "Вход",
    institution: "Организация",
    institutionHint: "например, altai-college-2016",
    login: "Логин",
    password: "Пароль",
    signIn: "Войти",
    signOut: "Выйти",
    signedInAs: "Вы вошли как {login}",
    mustChangePassword: "Для этой учётной записи нужно сменить пароль; на этих экранах это не поддерживается.",
    noScreens: "Для этой учётной записи здесь нет экранов: журнал — для преподавателя, дневник — для родителя и обучающегося.",
    sessionEnded: "Сеанс завершён: войдите снова.",
    unreachable: "Сервер недоступен: {detail}",
    navigation: "Разделы",
    journal: "Журнал",
    diary: "Дневник",
    journalTitle: "Журнал преподавателя",
    group: "Группа",
    discipline: "Дисциплина",
    period: "Период",
    periodClosed: "закрыт",
    openJournal: "Открыть журнал",
    loading: "Загрузка…",
    noAssignments: "У вас нет учебной нагрузки: журнал пуст.",
    student: "Обучающийся",
    average: "Ср. балл",
    noLessons: "В этом периоде нет занятий.",
    journalGrid: "Оценки и посещаемость",
    chooseCell: "Выберите клетку журнала, чтобы поставить оценку или отметить отсутствие.",
    cellEditor: "Клетка журнала",
    mark: "Оценка",
    noMark: "—",
    setMark: "Поставить оценку",
    deleteMark: "Удалить оценку",
    attendance: "Посещаемость",
    present: "присутствовал(а)",
    absent: "отсутствовал(а) (н)",
    late: "опоздал(а) (оп)",
    setAttendance: "Отметить посещаемость",
    markSaved: "Оценка «{value}» сохранена.",
    markDeleted: "Оценка удалена.",
    attendanceSaved: "Посещаемость сохранена.",
    pass: "зачтено",
    fail: "не зачтено",
    absentShort: "н",
    lateShort: "оп",
    diaryTitle: "Дневник",
    child: "Ребёнок",
    weekFrom: "Неделя с",
    showWeek: "Показать",
    previousWeek: "Предыдущая неделя",
    nextWeek: "Следующая неделя",
    noLessonsThisWeek: "На этой неделе занятий нет.",
    slot: "Урок",
    topic: "Тема",
    homework: "Домашнее задание",
    marks: "Оценки",
    finalMarks: "Итоговые оценки",
    diaryOf: "Дневник: {name}",
    noDiary: "Дневник недоступен для этой учётной записи.",
  },
  en: {
    title: "CampusGraph — example screens",
    demoNote: "Demo screens: the teacher's journal and the diary. They use only the public GraphQL API.",
    signInTitle: "Sign in",
    institution: "Institution",
    institutionHint: "e.g. altai-college-2016",
    login: "Login",
    password: "Password",
    signIn: "Sign in",
    signOut: "Sign out",
    signedInAs: "Signed in as {login}",
    mustChangePassword: "This account must change its password; these screens do not support that.",
    noScreens: "No screens here for this account: the journal is a teacher's, the diary a parent's or a student's.",
    sessionEnded: "The session has ended: sign in again.",
    unreachable: "The server is unreachable: {detail}",
    navigation: "Sections",
    journal: "Journal",
    diary: "Diary",
    journalTitle: "Teacher's journal",
    group: "Group",
    discipline: "Discipline",
    period: "Period",
    periodClosed: "closed",
    openJournal: "Open the journal",
    loading: "Loading…",
    noAssignments: "You teach nothing: the journal is empty.",
    student: "Student",
    average: "Average",
    noLessons: "No lessons in this period.",
    journalGrid: "Marks and attendance",
    chooseCell: "Choose a cell of the journal to give a mark or record an absence.",
    cellEditor: "Journal cell",
    mark: "Mark",
    noMark: "—",
    setMark: "Give the mark",
    deleteMark: "Delete the mark",
    attendance: "Attendance",
    present: "present",
    absent: "absent (a)",
    late: "late (l)",
    setAttendance: "Record attendance",
    markSaved: "Mark «{value}» saved.",
    markDeleted: "Mark deleted.",
    attendanceSaved: "Attendance saved.",
    pass: "pass",
    fail: "fail",
    absentShort: "a",
    lateShort: "l",
    diaryTitle: "Diary",
    child: "Child",
    weekFrom: "Week from",
    showWeek: "Show",
    previousWeek: "Previous week",
    nextWeek: "Next week",
    noLessonsThisWeek: "No lessons this week.",
    slot: "Lesson",
    topic: "Topic",
    homework: "Homework",
    marks: "Marks",
    finalMarks: "Final marks",
    diaryOf: "Diary: {name}",
    noDiary: "No diary for this account.",
  },
};

/** "ru" or "en": the first of the browser's languages we speak, else Russian. */
export const LANGUAGE = (() => {
  for (const tag of navigator.languages || [navigator.language || ""]) {
    const primary = tag.toLowerCase().split("-")[0];
    if (primary in TEXTS) return primary;
  }
  return "ru";
})();

/** The text of `key`, its {fields} filled in. */
export function t(key, fields = {}) {
  const text = TEXTS[LANGUAGE][key] ?? TEXTS.ru[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(fields[name] ?? ""));
}

const LOCALE = LANGUAGE === "ru" ? "ru-RU" : "en-GB";
const DAY = new Intl.DateTimeFormat(LOCALE, { day: "2-digit", month: "2-digit", timeZone: "UTC" });
const FULL = new Intl.DateTimeFormat(LOCALE, {
  day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC",
});
const WEEKDAY = new Intl.DateTimeFormat(LOCALE, { weekday: "long", timeZone: "UTC" });

function utc(isoDate) {
  return new Date(`${isoDate}T00:00:00Z`);
}

/** «25.11» of an ISO date. */
export const shortDate = (isoDate) => DAY.format(utc(isoDate));
/** «25.11.2026» of an ISO date. */
export const fullDate = (isoDate) => FULL.format(utc(isoDate));
/** «среда, 25.11.2026» of an ISO date. */
export const dayTitle = (isoDate) => `${WEEKDAY.format(utc(isoDate))}, ${fullDate(isoDate)}`;

/** How a mark reads on screen: 2–5 as they are, a credit's pass/fail in words. */
export function markText(value) {
  if (value === "pass") return t("pass");
  if (value === "fail") return t("fail");
  return value ?? "";
}
