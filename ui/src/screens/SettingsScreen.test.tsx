import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "../App";
import type { CommandError } from "../bindings/CommandError";
import type { Settings } from "../bindings/Settings";
import { DEFAULT_SETTINGS } from "../lib/settingsForm";
import { fakeBackend, reject } from "../test/backend";

async function openSettings() {
  window.location.hash = "#/settings";
  render(<App />);
  await screen.findByRole("heading", { level: 1, name: "Settings" });
}

describe("Settings → Notifications", () => {
  test("a test notification that was sent says so", async () => {
    const b = fakeBackend();
    b.handlers.send_test_notification = () => null;
    await openSettings();
    fireEvent.click(screen.getByRole("button", { name: "Send a test notification" }));
    const region = screen.getByRole("status", { name: "Notifications" });
    expect(await within(region).findByText("Sent — you should see it now")).toBeTruthy();
    expect(b.last("send_test_notification")!.args).toEqual({});
  });

  test("a failure shows the message", async () => {
    const b = fakeBackend();
    b.handlers.send_test_notification = () => reject("internal", "no notification service in this session");
    await openSettings();
    fireEvent.click(screen.getByRole("button", { name: "Send a test notification" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The test notification was not shown");
    expect(alert.textContent).toContain("No notification service in this session");
  });
});

describe("Settings → Network", () => {
  test("says which proxy variables and certificates are honoured", async () => {
    fakeBackend();
    await openSettings();
    const region = screen.getByRole("region", { name: "Network" });
    expect(region.textContent).toContain("HTTPS_PROXY");
    expect(region.textContent).toContain("NO_PROXY");
    expect(region.textContent).toContain("SSL_CERT_FILE");
    expect(region.textContent).toContain("Proxies and company CAs");
  });
});

describe("Settings → Monitoring settings", () => {
  const saved = {
    ...DEFAULT_SETTINGS,
    job_poll_minutes: 3,
    quiet_start: "22:00",
    quiet_end: "07:00",
  };

  async function openForm(b = fakeBackend()) {
    b.handlers.get_settings = () => structuredClone(saved);
    await openSettings();
    const form = await screen.findByRole("form", { name: "Monitoring settings" });
    await within(form).findByRole("spinbutton", { name: /Provisioning job/ });
    return { b, form };
  }

  test("shows a skeleton, then the stored values with units and ranges", async () => {
    const b = fakeBackend();
    let release: (s: Settings) => void = () => {};
    b.handlers.get_settings = () => new Promise<Settings>((r) => (release = r));
    await openSettings();
    expect(await screen.findByRole("status", { name: "Loading monitoring settings" })).toBeTruthy();
    release(structuredClone(saved));
    const job = (await screen.findByRole("spinbutton", { name: /Provisioning job/ })) as HTMLInputElement;
    expect(job.value).toBe("3");
    expect(screen.queryByRole("status", { name: "Loading monitoring settings" })).toBeNull();
    expect(job.getAttribute("min")).toBe("1");
    expect(job.getAttribute("max")).toBe("60");
    // The range and the explanation describe the input.
    const described = job.getAttribute("aria-describedby")!.split(" ").map((id) => document.getElementById(id)!.textContent);
    expect(described.join(" ")).toContain("1–60");
    expect(described.join(" ")).toContain("Entra runs a cycle about every 40 minutes");
    expect((screen.getByLabelText("From") as HTMLInputElement).value).toBe("22:00");
    expect((screen.getByLabelText("Until") as HTMLInputElement).value).toBe("07:00");
    expect(screen.getByRole("switch", { name: "Desktop notifications" }).getAttribute("aria-checked")).toBe("true");
    // The data folder from app_info, read-only, with a copy button.
    const data = screen.getByRole("region", { name: "Data" });
    await within(data).findByText("/home/admin/.local/share/scimwatch");
    expect(within(data).getByRole("button", { name: /Copy path/ })).toBeTruthy();
    expect((screen.getByRole("button", { name: "Save settings" }) as HTMLButtonElement).disabled).toBe(true);
  });

  test("a load failure shows the error and Try again reloads", async () => {
    const b = fakeBackend();
    let fail = true;
    b.handlers.get_settings = () => (fail ? reject("storage", "database is locked") : structuredClone(saved));
    await openSettings();
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The local database failed");
    expect(alert.textContent).toContain("database is locked");
    fail = false;
    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("spinbutton", { name: /Provisioning job/ })).toBeTruthy();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  test("editing enables Save, which sends the whole object and says so", async () => {
    const { b, form } = await openForm();
    const save = within(form).getByRole("button", { name: "Save settings" }) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    let release: () => void = () => {};
    b.handlers.save_settings = (args) =>
      new Promise((r) => (release = () => r(structuredClone(args.settings))));
    fireEvent.change(within(form).getByRole("spinbutton", { name: /Failure count/ }), { target: { value: "250" } });
    fireEvent.click(within(form).getByRole("switch", { name: "Desktop notifications" }));
    fireEvent.click(within(form).getByRole("checkbox", { name: /Critical incidents notify during quiet hours/ }));
    expect(within(form).getByText("Unsaved changes")).toBeTruthy();
    expect(save.disabled).toBe(false);
    fireEvent.click(save);
    expect(await within(form).findByRole("button", { name: "Saving…" })).toBeTruthy();
    expect(b.last("save_settings")!.args).toEqual({
      settings: {
        ...saved,
        failure_count: 250,
        notifications_enabled: false,
        critical_ignores_quiet_hours: true,
      },
    });
    release();
    const toasts = screen.getByRole("status", { name: "Notifications" });
    expect(await within(toasts).findByText("Settings saved — monitoring uses them now")).toBeTruthy();
    expect(((await within(form).findByRole("button", { name: "Save settings" })) as HTMLButtonElement).disabled).toBe(true);
    expect(within(form).queryByText("Unsaved changes")).toBeNull();
  });

  test("server validation errors appear under their fields and the first one gets focus", async () => {
    const { b, form } = await openForm();
    b.handlers.save_settings = () => {
      throw {
        kind: "validation",
        message: "2 fields need attention",
        fields: [
          { field: "retention_days", message: "must be between 7 and 3650 days" },
          { field: "logs_poll_minutes", message: "must be between 1 and 120 minutes" },
          { field: "monitor", message: "the monitor is restarting" },
        ],
      } satisfies CommandError;
    };
    fireEvent.change(within(form).getByRole("spinbutton", { name: /Provisioning logs/ }), { target: { value: "7" } });
    fireEvent.click(within(form).getByRole("button", { name: "Save settings" }));
    const logs = within(form).getByRole("spinbutton", { name: /Provisioning logs/ });
    await waitFor(() => expect(document.activeElement).toBe(logs));
    expect(logs.getAttribute("aria-invalid")).toBe("true");
    const errorId = logs.getAttribute("aria-describedby")!.split(" ")[0]!;
    expect(document.getElementById(errorId)!.textContent).toBe("Must be between 1 and 120 minutes");
    const retention = within(form).getByRole("spinbutton", { name: /Keep events and checks for/ });
    expect(retention.getAttribute("aria-invalid")).toBe("true");
    const summary = within(form).getByRole("alert");
    expect(summary.textContent).toContain("3 fields need attention");
    expect(summary.textContent).toContain("the monitor is restarting");
    // Editing a field clears its error.
    fireEvent.change(logs, { target: { value: "8" } });
    expect(logs.getAttribute("aria-invalid")).toBeNull();
  });

  test("out-of-range values are caught before the round trip", async () => {
    const { b, form } = await openForm();
    fireEvent.change(within(form).getByRole("spinbutton", { name: /Stalled after/ }), { target: { value: "1" } });
    fireEvent.change(within(form).getByRole("spinbutton", { name: /Remind every/ }), { target: { value: "" } });
    fireEvent.click(within(form).getByRole("button", { name: "Save settings" }));
    const stall = within(form).getByRole("spinbutton", { name: /Stalled after/ });
    await waitFor(() => expect(document.activeElement).toBe(stall));
    expect(within(form).getByText("Must be between 2 and 10 intervals")).toBeTruthy();
    expect(within(form).getByText("Enter a number")).toBeTruthy();
    expect(b.count("save_settings")).toBe(0);
  });

  test("Restore defaults fills the defaults; Save still sends them", async () => {
    const { b, form } = await openForm();
    fireEvent.click(within(form).getByRole("button", { name: "Restore defaults" }));
    expect((within(form).getByRole("spinbutton", { name: /Provisioning job/ }) as HTMLInputElement).value).toBe("2");
    expect((within(form).getByLabelText("From") as HTMLInputElement).value).toBe("");
    expect(b.count("save_settings")).toBe(0);
    expect((within(form).getByRole("button", { name: "Restore defaults" }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(within(form).getByRole("button", { name: "Save settings" }));
    await waitFor(() => expect(b.count("save_settings")).toBe(1));
    expect(b.last("save_settings")!.args).toEqual({ settings: DEFAULT_SETTINGS });
  });

  test("No quiet hours clears both ends and saves nulls", async () => {
    const { b, form } = await openForm();
    const clear = within(form).getByRole("button", { name: "No quiet hours" }) as HTMLButtonElement;
    fireEvent.click(clear);
    expect((within(form).getByLabelText("From") as HTMLInputElement).value).toBe("");
    expect((within(form).getByLabelText("Until") as HTMLInputElement).value).toBe("");
    expect(clear.disabled).toBe(true);
    fireEvent.click(within(form).getByRole("button", { name: "Save settings" }));
    await waitFor(() => expect(b.count("save_settings")).toBe(1));
    const sent = (b.last("save_settings")!.args as { settings: Settings }).settings;
    expect(sent.quiet_start).toBeNull();
    expect(sent.quiet_end).toBeNull();
    expect(sent.job_poll_minutes).toBe(3);
  });

  test("only one end of quiet hours is refused locally", async () => {
    const { b, form } = await openForm();
    fireEvent.change(within(form).getByLabelText("Until"), { target: { value: "" } });
    fireEvent.click(within(form).getByRole("button", { name: "Save settings" }));
    const until = within(form).getByLabelText("Until");
    await waitFor(() => expect(document.activeElement).toBe(until));
    expect(within(form).getByText("Set when quiet hours end too")).toBeTruthy();
    expect(b.count("save_settings")).toBe(0);
  });

  test("the Network card shows the proxy and trust store in use", async () => {
    fakeBackend();
    window.location.hash = "#/settings";
    render(<App />);
    const card = (await screen.findByRole("heading", { name: "Network" })).closest("section")!;
    await within(card).findByText("HTTPS_PROXY=http://proxy.corp.example:3128");
    expect(within(card).getByText("the operating system's certificate store")).toBeTruthy();
  });
});
