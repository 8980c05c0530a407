import { cleanup, configure } from "@testing-library/react";
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach } from "vitest";

// `findBy…`/`waitFor` give up after 1 s by default. On a loaded 2-core CI
// machine one render of a whole screen in jsdom has taken longer than that
// (a Token screen test failed there while passing everywhere else), so the
// wait is for what a slow machine needs; a real failure still fails, later.
configure({ asyncUtilTimeout: 5000 });

afterEach(() => {
  cleanup();
  clearMocks();
  window.location.hash = "";
});
