//! Managed state: cheap clones only (the engine holds a pool and an Arc).

use scimwatch_engine::Engine;

pub struct AppState {
    pub engine: Engine,
}
