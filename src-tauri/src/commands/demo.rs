//! The built-in demo tenant (the engine's `api::demo`, feature `demo`).

use scimwatch_core::Connection;
use scimwatch_engine::api::demo::{self as api, DemoStatus};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
pub async fn demo_status(state: State<'_, AppState>) -> CommandResult<DemoStatus> {
    api::demo_status(&state.engine, &state.demo).await
}

#[tauri::command]
pub async fn start_demo(state: State<'_, AppState>) -> CommandResult<Connection> {
    api::start_demo(&state.engine, &state.demo, state.watch().as_deref()).await
}

#[tauri::command]
pub async fn set_demo_fault(
    state: State<'_, AppState>,
    kind: Option<String>,
) -> CommandResult<DemoStatus> {
    let (e, w) = (&state.engine, state.watch());
    api::set_demo_fault(e, &state.demo, w.as_deref(), kind.as_deref()).await
}
