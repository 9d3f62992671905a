//! A test component that exports `routes` but not `handle`: the host must
//! refuse it, naming the missing export.

wit_bindgen::generate!({
    inline: "
        package test:no-handle;
        world app {
            export routes: func() -> list<string>;
        }
    ",
});

struct Component;

impl Guest for Component {
    fn routes() -> Vec<String> {
        Vec::new()
    }
}

export!(Component);
