"""Sound effects, made by a procedural synthesizer.

    vocabulary  the kinds, their words, the modifiers, the duration limits and the prompt
                parser; no numpy, so the web process can check a prompt cheaply
    dsp         signal helpers (numpy)
    kinds       the 25 renderers, one per kind (numpy)
    engine      ProceduralSfxEngine and render(): a Scene and a seed -> samples
"""
