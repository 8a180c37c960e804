/* The customer's signature: pointer events with pressure where the pen gives it, clear and
   undo by stroke, exported as a PNG blob (whose SHA-256 becomes signature_sha256). */
export class SignaturePad {
  constructor(canvas) {
    this.canvas = canvas;
    this.strokes = [];
    this.current = null;
    this.onchange = () => {};
    canvas.style.touchAction = "none"; // no scrolling or zooming while signing
    canvas.addEventListener("pointerdown", (e) => this.#down(e));
    canvas.addEventListener("pointermove", (e) => this.#move(e));
    for (const type of ["pointerup", "pointercancel", "pointerleave"]) canvas.addEventListener(type, () => this.#up());
    new ResizeObserver(() => this.#fit()).observe(canvas);
    this.#fit();
  }

  get isEmpty() { return this.strokes.length === 0; }

  #fit() {
    const r = this.canvas.getBoundingClientRect();
    const ratio = devicePixelRatio || 1;
    if (!r.width) return;
    this.canvas.width = Math.round(r.width * ratio);
    this.canvas.height = Math.round(r.height * ratio);
    this.#redraw();
  }

  #point(e) {
    const r = this.canvas.getBoundingClientRect();
    // mice report 0.5 while pressed, pens 0..1, fingers often 0 or 0.5: treat those as "normal"
    const pressure = e.pointerType === "pen" && e.pressure > 0 ? e.pressure : 0.5;
    return { x: (e.clientX - r.left) / r.width, y: (e.clientY - r.top) / r.height, p: pressure };
  }

  #down(e) {
    this.canvas.setPointerCapture?.(e.pointerId);
    this.current = [this.#point(e)];
    // counts as typing: the app does not re-render a screen someone is writing on
    this.canvas.dispatchEvent(new Event("input", { bubbles: true }));
    this.strokes.push(this.current);
    this.#redraw();
  }

  #move(e) {
    if (!this.current) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ev of events.length ? events : [e]) this.current.push(this.#point(ev));
    this.#redraw();
  }

  #up() {
    if (this.current) { this.current = null; this.onchange(); }
  }

  clear() { this.strokes = []; this.#redraw(); this.onchange(); }
  undo() { this.strokes.pop(); this.#redraw(); this.onchange(); }

  #redraw() {
    const ctx = this.canvas.getContext("2d");
    const { width: w, height: h } = this.canvas;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    ctx.strokeStyle = "#000";
    ctx.lineCap = ctx.lineJoin = "round";
    const base = Math.max(2, w / 250);
    for (const stroke of this.strokes) {
      for (let i = 0; i < stroke.length; i++) {
        const a = stroke[Math.max(0, i - 1)], b = stroke[i];
        ctx.lineWidth = base * (0.5 + b.p * 1.5);
        ctx.beginPath();
        ctx.moveTo(a.x * w, a.y * h);
        ctx.lineTo(b.x * w + (a === b ? 0.1 : 0), b.y * h);
        ctx.stroke();
      }
    }
  }

  toPngBlob() {
    return new Promise((resolve) => this.canvas.toBlob(resolve, "image/png"));
  }
}
