import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "../App";
import { fakeBackend } from "../test/backend";
import { checkResult, checkUnauthorized, connection, tokenStatus } from "../test/fixtures";
import { tokenUrgency } from "./TokenScreen";

async function openToken(hash = "#/token") {
  window.location.hash = hash;
  render(<App />);
  await screen.findByRole("heading", { level: 1, name: "Token" });
}

describe("Token", () => {
  test("shows the countdown, last verification and latest check", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.token_status = () => tokenStatus({ days_left: 5, source: "jwt" });
    b.handlers.latest_check = () => checkResult();
    b.handlers.check_history = () => [{ id: 1, checked_at: "2026-11-20T10:00:00Z", ok: true, verdict: "ok", http_status: 200, latency_ms: 182 }];
    await openToken();
    const expiry = (await screen.findByRole("heading", { name: "Expiry" })).closest("section")!;
    expect(expiry.textContent).toContain("5 days left");
    expect(expiry.className).toContain("countdown-urgent");
    expect(within(expiry).getByText("Read from the token (JWT exp)")).toBeTruthy();
    expect(await screen.findByRole("heading", { name: "Latest check: Working" })).toBeTruthy();
    const history = screen.getByRole("table", { name: /history/ });
    expect(within(history).getAllByRole("row")).toHaveLength(2);
    expect(b.last("token_status")!.args).toEqual({ id: "c1" });
  });

  test("Test Connection renders the verdict, latency and the full exchange", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.test_connection = () => ({ ...checkUnauthorized(), suggested_url: "https://api.acme.example/scim/v2/tenant1" });
    await openToken();
    fireEvent.click(await screen.findByRole("button", { name: "Test Connection" }));
    const heading = await screen.findByRole("heading", { name: "Test Connection result: Token rejected" });
    const card = heading.closest("section")!;
    expect(card.textContent).toContain("The SaaS rejected the token (HTTP 401)");
    expect(card.textContent).toContain("182 ms");
    expect(within(card).getByText("https://api.acme.example/scim/v2/tenant1")).toBeTruthy();
    expect(within(card).getByRole("link", { name: "Edit connection" }).getAttribute("href")).toBe("#/connections/c1/edit");
    const details = card.querySelector("details")!;
    expect(within(details).getByText("Full exchange")).toBeTruthy();
    expect(details.textContent).toContain("Bearer <redacted>");
    expect(details.textContent).toContain('{"detail":"invalid_token","status":"401"}');
    expect(within(details).getByRole("button", { name: /Copy exchange/ })).toBeTruthy();
    expect(b.last("test_connection")!.args).toEqual({ id: "c1" });
    // history and status are refreshed after a test
    await waitFor(() => expect(b.count("check_history")).toBe(2));
  });

  test("test_new_token sends the token, clears the field and never renders it", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.test_new_token = () => checkResult({ message: "The new token is accepted." });
    await openToken();
    const input = (await screen.findByLabelText("New Secret Token")) as HTMLInputElement;
    expect(input.type).toBe("password");
    fireEvent.change(input, { target: { value: "sekret-NEW-token-123" } });
    fireEvent.click(screen.getByRole("button", { name: "Test new token" }));
    await screen.findByText("The new token works");
    expect(input.value).toBe("");
    expect(b.last("test_new_token")!.args).toEqual({ id: "c1", token: "sekret-NEW-token-123" });
    expect(document.body.innerHTML).not.toContain("sekret-NEW-token-123");
  });

  test("a rejected new token says not to paste it, and still clears the field", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.test_new_token = () => checkUnauthorized();
    await openToken();
    const input = (await screen.findByLabelText("New Secret Token")) as HTMLInputElement;
    fireEvent.change(input, { target: { value: "bad-token" } });
    fireEvent.submit(input.closest("form")!);
    await screen.findByText("The new token does not work: Token rejected");
    expect(input.value).toBe("");
    expect(document.body.innerHTML).not.toContain("bad-token");
  });

  test("an empty new token is not sent", async () => {
    const b = fakeBackend([connection()]);
    await openToken();
    fireEvent.click(await screen.findByRole("button", { name: "Test new token" }));
    await screen.findByText("Paste the new token first.");
    expect(b.count("test_new_token")).toBe(0);
  });

  test("a connection picker appears with several SCIM connections and drives the route", async () => {
    const b = fakeBackend([connection(), connection({ id: "c2", name: "Wiki" }), connection({ id: "c3", name: "Entra only", scim: null })]);
    await openToken("#/token/c2");
    const picker = (await screen.findByLabelText("Connection")) as HTMLSelectElement;
    expect(Array.from(picker.options).map((o) => o.textContent)).toEqual(["Contoso → Acme", "Wiki"]);
    expect(picker.value).toBe("c2");
    await waitFor(() => expect(b.last("token_status")!.args).toEqual({ id: "c2" }));
    fireEvent.change(picker, { target: { value: "c1" } });
    expect(window.location.hash).toBe("#/token/c1");
  });

  test("a failed status shows the error kind and a retry", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.token_status = () => {
      throw { kind: "keychain", message: "the keychain is locked", fields: [] };
    };
    await openToken();
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The OS keychain refused the request");
    expect(within(alert).getByRole("button", { name: "Try again" })).toBeTruthy();
  });

  test("without a SCIM side, guidance instead of a blank page", async () => {
    fakeBackend([connection({ scim: null })]);
    await openToken();
    expect(await screen.findByRole("heading", { name: "No SCIM endpoint to check" })).toBeTruthy();
  });

  test("urgency follows the 30/14/7/1-day thresholds", () => {
    expect([45, 30, 14, 7, 1, 0, -1, null].map(tokenUrgency)).toEqual(["ok", "notice", "soon", "urgent", "critical", "critical", "expired", "unknown"]);
  });
});
