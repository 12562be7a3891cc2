//! The drawing pad: pointer input (mouse, touch, pen) painted as round strokes, and the 28×28
//! preview of what the networks actually see.

use super::dom::log_failure;
use crate::network::INPUT;
use crate::preprocess::{InkChannel, preprocess_rgba};
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData, PointerEvent};

/// Brush width in pad pixels (280 × 280 pad). After MNIST's scaling of a typical digit into
/// 20 × 20 this gives strokes of about 2–3 pixels, like MNIST's pen strokes.
pub const BRUSH: f64 = 24.0;

pub struct Pad {
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
    preview: CanvasRenderingContext2d,
    last: Option<(f64, f64)>,
    pointer: Option<i32>,
    /// Whether anything was drawn since the last clear.
    pub has_ink: bool,
}

fn context(canvas: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, String> {
    canvas
        .get_context("2d")
        .map_err(|_| "the canvas cannot draw".to_string())?
        .ok_or("the canvas has no 2D context")?
        .dyn_into()
        .map_err(|_| "unexpected canvas context".to_string())
}

impl Pad {
    pub fn new(canvas: HtmlCanvasElement, preview: &HtmlCanvasElement) -> Result<Pad, String> {
        let ctx = context(&canvas)?;
        ctx.set_line_cap("round");
        ctx.set_line_join("round");
        ctx.set_stroke_style_str("#ffffff");
        ctx.set_fill_style_str("#ffffff");
        ctx.set_line_width(BRUSH);
        let preview = context(preview)?;
        Ok(Pad {
            canvas,
            ctx,
            preview,
            last: None,
            pointer: None,
            has_ink: false,
        })
    }

    pub fn canvas(&self) -> &HtmlCanvasElement {
        &self.canvas
    }

    /// Pad coordinates of a pointer event (the canvas may be displayed at another size).
    fn point(&self, e: &PointerEvent) -> (f64, f64) {
        let rect = self.canvas.get_bounding_client_rect();
        let sx = self.canvas.width() as f64 / rect.width().max(1.0);
        let sy = self.canvas.height() as f64 / rect.height().max(1.0);
        (
            (e.client_x() as f64 - rect.left()) * sx,
            (e.client_y() as f64 - rect.top()) * sy,
        )
    }

    /// Starts a stroke; returns whether the drawing changed.
    pub fn pointer_down(&mut self, e: &PointerEvent) -> bool {
        if e.button() != 0 && e.pointer_type() == "mouse" {
            return false;
        }
        // Without capture a stroke leaving the pad ends there; drawing still works.
        log_failure(
            self.canvas.set_pointer_capture(e.pointer_id()),
            "pointer capture",
        );
        self.pointer = Some(e.pointer_id());
        let (x, y) = self.point(e);
        self.ctx.begin_path();
        log_failure(
            self.ctx.arc(x, y, BRUSH / 2.0, 0.0, std::f64::consts::TAU),
            "drawing a dot",
        );
        self.ctx.fill();
        self.last = Some((x, y));
        self.has_ink = true;
        true
    }

    /// Extends the stroke; returns whether the drawing changed.
    pub fn pointer_move(&mut self, e: &PointerEvent) -> bool {
        if self.pointer != Some(e.pointer_id()) {
            return false;
        }
        let Some((lx, ly)) = self.last else {
            return false;
        };
        let (x, y) = self.point(e);
        self.ctx.begin_path();
        self.ctx.move_to(lx, ly);
        self.ctx.line_to(x, y);
        self.ctx.stroke();
        self.last = Some((x, y));
        true
    }

    pub fn pointer_up(&mut self, e: &PointerEvent) {
        if self.pointer == Some(e.pointer_id()) {
            self.pointer = None;
            self.last = None;
        }
    }

    pub fn clear(&mut self) {
        let (w, h) = (self.canvas.width() as f64, self.canvas.height() as f64);
        self.ctx.clear_rect(0.0, 0.0, w, h);
        self.preview.clear_rect(0.0, 0.0, 28.0, 28.0);
        self.has_ink = false;
        self.last = None;
        self.pointer = None;
    }

    /// The drawing as the networks' input (MNIST's own preprocessing), or `None` if empty.
    pub fn input(&self) -> Result<Option<[u8; INPUT]>, String> {
        if !self.has_ink {
            return Ok(None);
        }
        let (w, h) = (self.canvas.width(), self.canvas.height());
        let data = self
            .ctx
            .get_image_data(0.0, 0.0, w as f64, h as f64)
            .map_err(|_| "the drawing could not be read".to_string())?;
        let digit = preprocess_rgba(&data.data(), w as usize, h as usize, InkChannel::Alpha)?;
        Ok(digit.map(|d| d.bytes))
    }

    /// Shows a 28×28 input in the preview.
    pub fn show_input(&self, pixels: &[u8; INPUT]) {
        let mut rgba = vec![0u8; INPUT * 4];
        for (px, &v) in rgba.chunks_exact_mut(4).zip(pixels) {
            px.copy_from_slice(&[v, v, v, 255]);
        }
        if let Ok(img) = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), 28, 28) {
            log_failure(self.preview.put_image_data(&img, 0.0, 0.0), "the preview");
        }
    }

    /// Paints a 28×28 MNIST image onto the pad, scaled up (for the random test digit).
    pub fn show_digit(&mut self, pixels: &[u8]) {
        self.clear();
        let (w, h) = (self.canvas.width() as f64, self.canvas.height() as f64);
        let cell = (w / 28.0).min(h / 28.0);
        for (i, &v) in pixels.iter().enumerate() {
            if v == 0 {
                continue;
            }
            let (x, y) = ((i % 28) as f64 * cell, (i / 28) as f64 * cell);
            self.ctx
                .set_fill_style_str(&format!("rgba(255,255,255,{:.3})", v as f64 / 255.0));
            self.ctx.fill_rect(x, y, cell, cell);
        }
        self.ctx.set_fill_style_str("#ffffff");
        self.has_ink = pixels.iter().any(|&v| v > 0);
    }
}
