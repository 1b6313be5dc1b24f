// The public GraphQL API, as any client uses it: POST /graphql with a JSON body, the
// bearer token from `login`, and the screen's language as Accept-Language. The documents
// are the examples' (examples/queries/), cut to what these screens show.

import { LANGUAGE, t } from "./i18n.js";

// Relative to the page (/screens/), so the screens work behind a path prefix too.
const ENDPOINT = new URL("../graphql", document.baseURI).href;
const TOKEN_KEY = "campusgraph.screens.token";

export const LOGIN = `
mutation Login($input: LoginInput!) {
  login(input: $input) {
    token
    mustChangePassword
    errors { code message field }
  }
}`;

export const LOGOUT = `mutation Logout { logout { ok errors { code message } } }`;

export const VIEWER = `
query Viewer {
  viewer {
    login
    roles { name title }
    institution { id name shortName }
    employee {
      id
      fullName
      teachingAssignments { id discipline { id name } group { id name } }
    }
    student { id fullName }
    parent { id fullName }
    children { id fullName group { id name } }
  }
}`;

export const PERIODS = `
query Periods {
  institution {
    academicYears { id name isCurrent periods { id kind name startsOn endsOn isClosed isCurrent } }
  }
}`;

export const JOURNAL = `
query TeacherJournal($group: ID!, $discipline: ID!, $period: ID!) {
  journal(group: $group, discipline: $discipline, period: $period) {
    group { id name }
    discipline { id name }
    period { id name isClosed }
    lessons { id date slot topic works { id kind number title } }
    columns { workId lessonId lessonIndex date kind number }
    rows {
      studentId
      fullName
      marks
      markIds
      markVersions
      attendance
      attendanceVersions
      average
    }
  }
}`;

const ERRORS = "errors { code message field reason }";

export const SET_MARK = `
mutation SetMark($input: SetMarkInput!) {
  setMark(input: $input) { mark { id value version } ${ERRORS} }
}`;

export const DELETE_MARK = `
mutation DeleteMark($input: DeleteMarkInput!) {
  deleteMark(input: $input) { deletedId ${ERRORS} }
}`;

export const SET_ATTENDANCE = `
mutation SetAttendance($input: SetAttendanceInput!) {
  setAttendance(input: $input) { attendance { id status version } ${ERRORS} }
}`;

export const DIARY = `
query Diary($from: Date!, $to: Date!, $child: ID) {
  viewer {
    diary(from: $from, to: $to, child: $child) {
      student { id fullName }
      from
      to
      days {
        date
        lessons {
          id
          slot
          disciplineName
          teacherName
          topic
          homework
          individualHomework
          attendance
          works { id kind number title mark }
        }
      }
      finalMarks { disciplineName periodName kind value }
    }
  }
}`;

/** A refusal of the whole request: signed out, unreachable, or an error with no data. */
export class ApiError extends Error {
  constructor(message, code = null) {
    super(message);
    this.code = code;
  }
}

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

/**
 * Run a document; resolves to `{data, errors}` as the server answered. Rejects with
 * ApiError when nothing was answered: no data at all (signed out, unavailable, invalid).
 */
export async function graphql(query, variables = {}) {
  const headers = { "Content-Type": "application/json", "Accept-Language": LANGUAGE };
  const token = session.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  let answer;
  try {
    const response = await fetch(ENDPOINT, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: "omit",
    });
    answer = await response.json();
  } catch (error) {
    throw new ApiError(t("unreachable", { detail: error.message }));
  }
  const errors = answer.errors || [];
  if (answer.data == null) {
    const first = errors[0] || {};
    const code = first.extensions?.code ?? null;
    if (code === "UNAUTHENTICATED" && token) {
      // The token expired or was revoked: the app shows the sign-in form again.
      session.token = null;
      window.dispatchEvent(new CustomEvent("campusgraph:session-ended", { detail: first.message }));
    }
    throw new ApiError(first.message || t("unreachable", { detail: "—" }), code);
  }
  return { data: answer.data, errors };
}

/** The first error of a payload's `errors` (a refused mutation), or null. */
export function refusal(payload) {
  return payload && payload.errors && payload.errors.length ? payload.errors[0] : null;
}
