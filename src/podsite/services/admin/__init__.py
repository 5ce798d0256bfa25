"""The admin's writes to the catalogue and its people; every write audited in its transaction."""
