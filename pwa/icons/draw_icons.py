"""Draws the FieldOps icons (192/512 and a maskable 512 with the safe-zone margin)."""
from PIL import Image, ImageDraw

BLUE, WHITE, AMBER = (11, 61, 145), (255, 255, 255), (255, 193, 7)

def draw(size, maskable):
    img = Image.new("RGB", (size, size), BLUE)
    d = ImageDraw.Draw(img)
    # maskable icons may be cropped to a circle of 80% diameter: keep the mark inside it
    pad = size * (0.28 if maskable else 0.16)
    s = size - 2 * pad
    # a wrench-like bar and a check mark: "repair done"
    d.rounded_rectangle([pad, pad + s * 0.38, pad + s, pad + s * 0.62], radius=s * 0.12, fill=WHITE)
    d.ellipse([pad - s * 0.02, pad + s * 0.22, pad + s * 0.34, pad + s * 0.78], fill=WHITE)
    d.ellipse([pad + s * 0.06, pad + s * 0.36, pad + s * 0.2, pad + s * 0.64], fill=BLUE)
    d.line([(pad + s * 0.45, pad + s * 0.82), (pad + s * 0.62, pad + s * 0.97), (pad + s * 0.98, pad + s * 0.66)],
           fill=AMBER, width=max(4, int(s * 0.09)), joint="curve")
    return img

for name, size, maskable in [("icon-192", 192, False), ("icon-512", 512, False), ("maskable-512", 512, True)]:
    draw(size, maskable).save(f"/work/main/pwa/icons/{name}.png", optimize=True)
