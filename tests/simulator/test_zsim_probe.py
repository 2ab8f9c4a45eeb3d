import time
def test_probe(zoom_simulator_server):
    pass
def test_probe2(zoom_sim):
    pass
def test_probe3(sim):
    pass
def test_probe4(api):
    pass
