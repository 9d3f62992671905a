//! A component that implements the FasterAPI world but blocks in `routes()`
//! (sleeping in a host call, where no epoch interruption reaches it): the
//! host must refuse it in time, and keep answering health checks and other
//! deploys meanwhile.

wit_bindgen::generate!({ path: "../../../wit", world: "app" });

struct Component;

impl Guest for Component {
    fn routes() -> Vec<Route> {
        std::thread::sleep(std::time::Duration::from_secs(3600));
        Vec::new()
    }

    fn info() -> AppInfo {
        AppInfo {
            title: None,
            version: None,
            description: None,
            instances: None,
            handles_validation_errors: false,
            middleware: Vec::new(),
            openapi_url: None,
            docs_url: None,
            root_path: String::new(),
            http_middleware: false,
        }
    }

    fn run_background() {}

    fn wrap(_: RawRequest, answer: Response) -> Response {
        answer
    }

    fn next_chunk() -> Option<Vec<u8>> {
        None
    }

    fn handle(_: Request) -> Response {
        unreachable!("never routed")
    }
}

export!(Component);
