import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, test, vi } from "vitest";
import { App } from "../../App";
import type { AlertChannel } from "../../bindings/AlertChannel";
import type { AlertChannelInput } from "../../bindings/AlertChannelInput";
import type { DeadLetter } from "../../bindings/DeadLetter";
import { fakeBackend, reject } from "../../test/backend";

afterEach(() => vi.restoreAllMocks());

function channel(over: Partial<AlertChannel> = {}): AlertChannel {
  return {
    id: "ch1",
    name: "Ops",
    kind: "teams",
    target: "https://prod-12.westeurope.logic.azure.com/…",
    email: null,
    min_severity: "warning",
    connections: [],
    created_at: "2026-11-28T12:00:00Z",
    pending: 0,
    dead: 0,
    last_delivered_at: null,
    last_error: null,
    ...over,
  };
}

async function openSettings() {
  window.location.hash = "#/settings";
  render(<App />);
  return screen.findByRole("heading", { name: "Alert channels" });
}

function section() {
  return screen.getByRole("heading", { name: "Alert channels" }).closest("section") as HTMLElement;
}

describe("Settings → Alert channels", () => {
  test("adds a Teams channel: the URL goes to the engine once and is never shown", async () => {
    const b = fakeBackend();
    let list: AlertChannel[] = [];
    b.handlers.list_alert_channels = () => list;
    b.handlers.add_alert_channel = (args) => {
      const input = args.input as AlertChannelInput;
      const added = channel({ name: input.name });
      list = [added];
      return { channel: added, notes: ["removed 2 spaces or line breaks pasted inside the URL (copied across lines?)"] };
    };
    await openSettings();
    await screen.findByText(/No alert channels yet/);
    fireEvent.click(within(section()).getByRole("button", { name: /Add a channel/ }));
    const form = screen.getByRole("form", { name: "Add an alert channel" });
    fireEvent.change(within(form).getByLabelText("Name"), { target: { value: "Ops" } });
    const secretUrl = "https://prod-12.westeurope.logic.azure.com/workflows/x?sig=SECRET-SIG";
    fireEvent.change(within(form).getByLabelText("Webhook URL"), { target: { value: secretUrl } });
    fireEvent.click(within(form).getByRole("button", { name: "Add channel" }));

    const item = await screen.findByRole("listitem", { name: "Ops" });
    const sent = b.last("add_alert_channel")?.args.input as AlertChannelInput;
    expect(sent).toMatchObject({ name: "Ops", kind: "teams", url: secretUrl, signing_secret: null, email: null, min_severity: "warning", connections: [] });
    expect(within(item).getByText("Microsoft Teams")).toBeTruthy();
    expect(within(item).getByText("https://prod-12.westeurope.logic.azure.com/…")).toBeTruthy();
    expect(within(item).getByText(/Warning and critical · every connection/)).toBeTruthy();
    expect(document.body.textContent).not.toContain("SECRET-SIG");
    expect((within(item).queryByRole("textbox") as HTMLInputElement | null)?.value ?? "").not.toContain("SECRET");
  });

  test("an e-mail channel sends its SMTP settings; the engine's refusal shows at the field", async () => {
    const b = fakeBackend();
    b.handlers.add_alert_channel = () => {
      throw {
        kind: "validation",
        message: "email: port 465 speaks TLS from the first byte (SMTPS)",
        fields: [{ field: "email", message: "port 465 speaks TLS from the first byte (SMTPS), which scimwatch does not: use the server's submission port 587 with STARTTLS" }],
      };
    };
    await openSettings();
    fireEvent.click(within(section()).getByRole("button", { name: /Add a channel/ }));
    const form = screen.getByRole("form", { name: "Add an alert channel" });
    fireEvent.change(within(form).getByLabelText("Type"), { target: { value: "email" } });
    fireEvent.change(within(form).getByLabelText("Name"), { target: { value: "Mail" } });
    fireEvent.change(within(form).getByLabelText("SMTP server"), { target: { value: "smtp.example.com" } });
    fireEvent.change(within(form).getByLabelText("Port"), { target: { value: "465" } });
    fireEvent.change(within(form).getByLabelText("User name"), { target: { value: "alerts" } });
    fireEvent.change(within(form).getByLabelText("Password"), { target: { value: "pw" } });
    fireEvent.change(within(form).getByLabelText("From"), { target: { value: "scimwatch@example.com" } });
    fireEvent.change(within(form).getByLabelText("To"), { target: { value: "ops@example.com, oncall@example.com" } });
    fireEvent.click(within(form).getByRole("button", { name: "Add channel" }));
    await within(form).findByText(/Port 465 speaks TLS from the first byte/);
    const sent = b.last("add_alert_channel")?.args.input as AlertChannelInput;
    expect(sent.url).toBeNull();
    expect(sent.email).toEqual({ host: "smtp.example.com", port: 465, username: "alerts", from: "scimwatch@example.com", to: ["ops@example.com", "oncall@example.com"] });
    expect(sent.smtp_password).toBe("pw");
    expect(within(form).getByLabelText("SMTP server").getAttribute("aria-invalid")).toBe("true");
  });

  test("a test alert says what the receiver answered; remove asks first", async () => {
    const b = fakeBackend();
    let list = [channel({ pending: 2, last_error: "prod-12.westeurope.logic.azure.com answered 503 Service Unavailable; retrying later" })];
    b.handlers.list_alert_channels = () => list;
    b.handlers.test_alert_channel = () => ({ delivered: false, message: "not delivered: x.logic.azure.com answered 404 Not Found: the workflow was deleted or turned off" });
    b.handlers.remove_alert_channel = () => {
      const gone = list[0];
      list = [];
      return gone;
    };
    await openSettings();
    const item = await screen.findByRole("listitem", { name: "Ops" });
    expect(within(item).getByText(/2 waiting for delivery/)).toBeTruthy();
    expect(within(item).getByText(/answered 503 Service Unavailable/)).toBeTruthy();
    fireEvent.click(within(item).getByRole("button", { name: "Send a test alert" }));
    await within(item).findByText(/the workflow was deleted or turned off/);
    expect(b.last("test_alert_channel")?.args).toEqual({ id: "ch1" });

    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValueOnce(true);
    fireEvent.click(within(item).getByRole("button", { name: "Remove" }));
    expect(b.count("remove_alert_channel")).toBe(0);
    fireEvent.click(within(item).getByRole("button", { name: "Remove" }));
    await screen.findByText(/No alert channels yet/);
    expect(confirm).toHaveBeenCalledTimes(2);
    expect(b.last("remove_alert_channel")?.args).toEqual({ id: "ch1" });
  });

  test("dead letters are listed with their reason and can be retried", async () => {
    const b = fakeBackend();
    let dead: DeadLetter[] = [
      {
        id: 7,
        channel_id: "ch1",
        channel_name: "Ops",
        idempotency_key: "incident-3-opened",
        summary: "Acme — The job is in quarantine",
        attempts: 1,
        created_at: "2026-11-28T12:00:00Z",
        last_error: "Slack answered 410 Gone: “channel_is_archived”",
      },
    ];
    b.handlers.list_alert_channels = () => [channel({ dead: dead.length })];
    b.handlers.list_dead_letters = () => dead;
    b.handlers.retry_dead_letters = () => {
      dead = [];
      return 1;
    };
    await openSettings();
    const letters = await screen.findByRole("list", { name: "Dead letters" });
    expect(within(letters).getByText(/channel_is_archived/)).toBeTruthy();
    expect(screen.getByText("1 alert was given up")).toBeTruthy();
    fireEvent.click(within(letters).getByRole("button", { name: "Retry Acme — The job is in quarantine to Ops" }));
    await waitFor(() => expect(screen.queryByRole("list", { name: "Dead letters" })).toBeNull());
    expect(b.last("retry_dead_letters")?.args).toEqual({ id: 7, channel: null });
  });

  test("a list that cannot be read says why", async () => {
    const b = fakeBackend();
    b.handlers.list_alert_channels = () => reject("storage", "database is locked");
    await openSettings();
    await within(section()).findByText(/database is locked/);
  });
});
