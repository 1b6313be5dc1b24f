// The screens' frame: sign-in, the sections the signed-in account has (a teacher's
// journal, a parent's or student's diary), sign-out. Routes are the URL's hash:
// #/journal, #/diary.

import { ApiError, graphql, LOGIN, LOGOUT, refusal, session, VIEWER } from "./api.js";
import { diaryScreen } from "./diary.js";
import { h, messageBox, replace } from "./dom.js";
import { LANGUAGE, t } from "./i18n.js";
import { journalScreen } from "./journal.js";

const INSTITUTION_KEY = "campusgraph.screens.institution";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
nav.setAttribute("aria-label", t("navigation"));

let viewer = null;

function screensOf(account) {
  const screens = [];
  if (account.employee && account.employee.teachingAssignments.length) screens.push("journal");
  if (account.student || account.children.length) screens.push("diary");
  return screens;
}

function renderChrome() {
  if (!viewer) {
    replace(nav);
    replace(who);
    return;
  }
  const current = location.hash.replace(/^#\/?/, "");
  replace(
    nav,
    h(
      "ul",
      {},
      screensOf(viewer).map((screen) =>
        h(
          "li",
          {},
          h("a", { href: `#/${screen}`, "aria-current": screen === current ? "page" : null }, t(screen)),
        ),
      ),
    ),
  );
  const name =
    viewer.employee?.fullName || viewer.parent?.fullName || viewer.student?.fullName || viewer.login;
  replace(
    who,
    h("span", {}, t("signedInAs", { login: name })),
    " ",
    h("button", { type: "button", onclick: signOut }, t("signOut")),
  );
}

function showSignIn(problem = null) {
  viewer = null;
  renderChrome();
  const message = messageBox();
  if (problem) message.error(problem);
  const institution = h("input", {
    id: "institution",
    name: "institution",
    required: true,
    autocomplete: "organization",
    placeholder: t("institutionHint"),
    value: localStorage.getItem(INSTITUTION_KEY) || "",
  });
  const login = h("input", { id: "login", name: "login", required: true, autocomplete: "username" });
  const password = h("input", {
    id: "password",
    name: "password",
    type: "password",
    required: true,
    autocomplete: "current-password",
  });
  const button = h("button", { type: "submit" }, t("signIn"));
  const form = h(
    "form",
    { className: "sign-in", "aria-labelledby": "sign-in-title" },
    h("h2", { id: "sign-in-title" }, t("signInTitle")),
    h("label", { for: "institution" }, t("institution")),
    institution,
    h("label", { for: "login" }, t("login")),
    login,
    h("label", { for: "password" }, t("password")),
    password,
    button,
    message.element,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    message.info(t("loading"));
    try {
      const input = {
        institution: institution.value.trim(),
        login: login.value.trim(),
        password: password.value,
      };
      const { data } = await graphql(LOGIN, { input });
      const refused = refusal(data.login);
      if (refused) {
        message.error(refused.message);
        return;
      }
      if (data.login.mustChangePassword) {
        message.error(t("mustChangePassword"));
        return;
      }
      localStorage.setItem(INSTITUTION_KEY, input.institution);
      session.token = data.login.token;
      await route();
    } catch (error) {
      message.error(error.message);
    } finally {
      button.disabled = false;
    }
  });
  replace(main, h("p", { className: "note" }, t("demoNote")), form);
  (institution.value ? login : institution).focus();
}

async function signOut() {
  try {
    await graphql(LOGOUT);
  } catch (error) {
    // Signed out either way: the token is forgotten here.
  }
  session.token = null;
  history.replaceState(null, "", location.pathname);
  showSignIn();
}

async function route() {
  if (!session.token) {
    showSignIn();
    return;
  }
  if (!viewer) {
    try {
      viewer = (await graphql(VIEWER)).data.viewer;
    } catch (error) {
      session.token = null;
      showSignIn(error instanceof ApiError ? error.message : String(error));
      return;
    }
  }
  const available = screensOf(viewer);
  const wanted = location.hash.replace(/^#\/?/, "");
  const screen = available.includes(wanted) ? wanted : available[0];
  if (screen && screen !== wanted) history.replaceState(null, "", `#/${screen}`);
  renderChrome();
  if (!screen) {
    replace(main, h("p", { role: "status" }, t("noScreens")));
    return;
  }
  if (screen === "journal") await journalScreen(main, viewer);
  else await diaryScreen(main, viewer);
}

document.documentElement.lang = LANGUAGE;
document.title = t("title");
window.addEventListener("hashchange", () => route());
window.addEventListener("campusgraph:session-ended", () => showSignIn(t("sessionEnded")));
route();
