"""The duty leader's console (值班领导岗): `hall leader`."""
