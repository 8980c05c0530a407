import { render, screen, within } from "@testing-library/react";
import { describe, expect, test } from "vitest";
import { App } from "../../App";
import { fakeBackend } from "../../test/backend";
import { checklistView, connection, step } from "../../test/fixtures";

describe("the Troubleshooting step 'The SaaS handles Entra's updates'", () => {
  test("says when to run the write probe, what it touches, and links to Inventory → Compliance", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.run_checklist = () => checklistView([step("token", "pass"), step("entra_updates", "unknown")]);
    window.location.hash = "#/troubleshooting/c1";
    render(<App />);
    const nav = await screen.findByRole("navigation", { name: "Checklist steps" });
    within(nav).getByRole("button", { name: /Step entra_updates/ }).click();
    const help = await screen.findByTestId("probe-step-help");
    expect(help.textContent).toContain("before switching provisioning on");
    expect(help.textContent).toContain("nothing else in the SaaS is touched");
    const link = within(help).getByRole("link", { name: /Test with Entra's requests/ });
    expect(link.getAttribute("href")).toBe("#/inventory/c1/compliance");
  });

  test("other steps have no such line", async () => {
    const b = fakeBackend([connection()]);
    b.handlers.run_checklist = () => checklistView([step("token", "fail")]);
    window.location.hash = "#/troubleshooting/c1";
    render(<App />);
    await screen.findByRole("region", { name: "Step token" });
    expect(screen.queryByTestId("probe-step-help")).toBeNull();
  });
});
