import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, test, vi } from "vitest";
import type { SignInSession } from "../bindings/SignInSession";
import type { SignInStatus } from "../bindings/SignInStatus";
import { fakeBackend, reject } from "../test/backend";
import { SignInDialog, SignInStatusRow } from "./SignInDialog";

const URL_ =
  "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize?client_id=14d82eec&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A43117&code_challenge=abc&code_challenge_method=S256&state=xyz";

function session(over: Partial<SignInSession> = {}): SignInSession {
  return {
    connection_id: "c1",
    method: "device_code",
    phase: "waiting",
    started_at: "2026-12-07T16:00:00Z",
    deadline: "2026-12-07T16:15:00Z",
    finished_at: null,
    sign_in_url: null,
    browser_opened: null,
    browser_error: null,
    device_code: {
      user_code: "GQ7PLRZ4K",
      verification_uri: "https://microsoft.com/devicelogin",
      message: "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code GQ7PLRZ4K to authenticate.",
    },
    failure: null,
    extra_permissions: [],
    ...over,
  };
}

function state(s: SignInSession | null, over: Partial<SignInStatus> = {}): SignInStatus {
  return { connection_id: "c1", delegated: true, signed_in: false, problem: null, problem_since: null, last_sign_in: null, session: s, ...over };
}

function open(onClose = () => {}) {
  render(<SignInDialog connectionId="c1" name="Contoso" onClose={onClose} pollMs={20} />);
  return screen.getByRole("dialog", { name: "Sign in to Microsoft Graph — Contoso" });
}

describe("SignInDialog", () => {
  test("device code: the code large with Copy and the address, then Signed in", async () => {
    const b = fakeBackend();
    let now = session();
    b.handlers.start_sign_in = () => now;
    b.handlers.sign_in_state = () => state(now);
    const dialog = open();
    fireEvent.click(within(dialog).getByLabelText(/Device code/));
    fireEvent.click(within(dialog).getByRole("button", { name: "Sign in" }));
    const code = await within(dialog).findByTestId("device-code");
    expect(code.textContent).toBe("GQ7PLRZ4K");
    expect(b.last("start_sign_in")?.args).toEqual({ id: "c1", method: "device_code", remediation: false });
    expect(within(dialog).getByTestId("verification-uri").textContent).toBe("https://microsoft.com/devicelogin");
    expect(within(dialog).getByRole("button", { name: "Copy code" })).toBeTruthy();
    expect(within(dialog).getByRole("button", { name: "Copy address" })).toBeTruthy();
    expect(b.count("poll_now")).toBe(0);

    now = session({ phase: "succeeded", finished_at: "2026-12-07T16:01:30Z" });
    expect(await within(dialog).findByText("Signed in")).toBeTruthy();
    expect(within(dialog).queryByTestId("device-code")).toBeNull();
    expect(within(dialog).getByRole("button", { name: "Done" })).toBeTruthy();
    // The Graph side is read at once, not at the next poll.
    await waitFor(() => expect(b.count("poll_now")).toBe(1));
  });

  test("browser that did not open: the sign-in URL to copy", async () => {
    const b = fakeBackend();
    const s = session({ method: "browser", device_code: null, sign_in_url: URL_, browser_opened: false, browser_error: "no launcher succeeded" });
    b.handlers.start_sign_in = () => s;
    b.handlers.sign_in_state = () => state(s);
    const dialog = open();
    fireEvent.click(within(dialog).getByRole("button", { name: "Sign in" }));
    expect(await within(dialog).findByText("Finish signing in in your browser.")).toBeTruthy();
    expect(b.last("start_sign_in")?.args).toEqual({ id: "c1", method: "browser", remediation: false });
    expect(within(dialog).getByText("No browser opened")).toBeTruthy();
    expect(within(dialog).getByText(/no launcher succeeded/)).toBeTruthy();
    expect(within(dialog).getByTestId("sign-in-url").textContent).toBe(URL_);
    expect(within(dialog).getByRole("button", { name: "Copy sign-in address" })).toBeTruthy();
  });

  test("declined: Microsoft's message with its AADSTS code, then Try again", async () => {
    const b = fakeBackend();
    let now = session();
    b.handlers.start_sign_in = () => now;
    b.handlers.sign_in_state = () => state(now);
    const dialog = open();
    fireEvent.click(within(dialog).getByLabelText(/Device code/));
    fireEvent.click(within(dialog).getByRole("button", { name: "Sign in" }));
    await within(dialog).findByTestId("device-code");
    now = session({
      phase: "failed",
      finished_at: "2026-12-07T16:01:00Z",
      failure: { kind: "declined", aadsts: 70000, error: "authorization_declined", message: "The user declined the authorization request." },
    });
    const failure = await within(dialog).findByTestId("sign-in-failure");
    expect(failure.textContent).toBe("AADSTS70000: The user declined the authorization request.");
    expect(within(dialog).getByText("The sign-in was declined")).toBeTruthy();
    expect(b.count("poll_now")).toBe(0);
    fireEvent.click(within(dialog).getByRole("button", { name: "Try again" }));
    expect(within(dialog).getByRole("button", { name: "Sign in" })).toBeTruthy();
  });

  test("timed out says so, as a warning", async () => {
    const b = fakeBackend();
    const s = session({
      phase: "timed_out",
      failure: { kind: "timed_out", aadsts: null, error: null, message: "The code was not entered within 15 min. Start again for a new code." },
    });
    b.handlers.start_sign_in = () => s;
    const dialog = open();
    fireEvent.click(within(dialog).getByRole("button", { name: "Sign in" }));
    expect(await within(dialog).findByText("The sign-in timed out")).toBeTruthy();
    expect(within(dialog).getByTestId("sign-in-failure").textContent).toBe("The code was not entered within 15 min. Start again for a new code.");
  });

  test("Cancel sign-in cancels it and closes", async () => {
    const b = fakeBackend();
    b.handlers.start_sign_in = () => session();
    b.handlers.sign_in_state = () => state(session());
    b.handlers.cancel_sign_in = () => session({ phase: "cancelled" });
    const onClose = vi.fn();
    const dialog = open(onClose);
    fireEvent.click(within(dialog).getByRole("button", { name: "Sign in" }));
    await within(dialog).findByTestId("device-code");
    fireEvent.click(within(dialog).getByRole("button", { name: "Cancel sign-in" }));
    await waitFor(() => expect(b.count("cancel_sign_in")).toBe(1));
    expect(b.last("cancel_sign_in")?.args).toEqual({ id: "c1" });
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  test("a refused start is shown and the choice stays", async () => {
    const b = fakeBackend();
    b.handlers.start_sign_in = () => reject("validation", "“Contoso” signs in unattended with the app registration's client secret: there is no interactive sign-in to make");
    const dialog = open();
    fireEvent.click(within(dialog).getByRole("button", { name: "Sign in" }));
    expect(await within(dialog).findByText(/signs in unattended/)).toBeTruthy();
    expect(within(dialog).getByRole("button", { name: "Sign in" })).toBeTruthy();
  });
});

describe("SignInStatusRow", () => {
  test("a refusal recorded by the poller offers Sign in again", async () => {
    const b = fakeBackend();
    b.handlers.sign_in_state = () =>
      state(null, {
        signed_in: true,
        problem: "the stored sign-in is no longer valid (AADSTS700082: The refresh token has expired due to inactivity.)",
        problem_since: "2026-12-07T15:00:00Z",
      });
    render(<SignInStatusRow connectionId="c1" name="Contoso" />);
    expect(await screen.findByText("The sign-in no longer works")).toBeTruthy();
    expect(screen.getByText(/AADSTS700082/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Sign in again to Contoso" }));
    expect(screen.getByRole("dialog", { name: "Sign in to Microsoft Graph — Contoso" })).toBeTruthy();
  });

  test("not signed in: Sign in…; an unattended connection shows nothing", async () => {
    const b = fakeBackend();
    render(<SignInStatusRow connectionId="c1" name="Contoso" />);
    expect(await screen.findByText("Not signed in")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Sign in to Contoso" })).toBeTruthy();
    b.handlers.sign_in_state = () => state(null, { delegated: false });
    render(<SignInStatusRow connectionId="c2" name="Fabrikam" />);
    await waitFor(() => expect(b.count("sign_in_state")).toBe(2));
    expect(screen.queryByRole("button", { name: "Sign in to Fabrikam" })).toBeNull();
  });
});
