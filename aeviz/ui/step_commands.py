"""The stepping calls the step controls make, one per Train action, each sent to a worker.

Shared by the main bridge and the Compare bridge (two networks in lockstep), so StepControls and
its keys drive either; a class mixing this in provides `send(name, *args)`.
"""
from __future__ import annotations


class StepCommands:
    def step_phase(self): self.send("step_phase")
    def forward(self): self.send("forward")
    def backward(self): self.send("backward")
    def update(self): self.send("update")
    def step_observation(self): self.send("step_observation")
    def step_batch(self): self.send("step_batch")
    def step_epoch(self): self.send("step_epoch")
    def pause(self): self.send("pause")
    def reset(self): self.send("reset")
    def undo(self): self.send("undo")
    def restore_best(self): self.send("restore_best")
