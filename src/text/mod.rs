//! Remote text made safe and readable: the sanitizer and the HTML renderer.
