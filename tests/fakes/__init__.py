"""Reusable fakes of the upstream services (real HTTP servers on loopback)."""

from tests.fakes.upstream import DEFAULT_NOW, FakeCarbonIntensity, FakeOctopus, FakeUpstream

__all__ = ["DEFAULT_NOW", "FakeCarbonIntensity", "FakeOctopus", "FakeUpstream"]
