"""Edge-Eye: millimetre sheet-edge tracking from a line camera (seed 002, sections IV.A-IV.D).

One module per stage of the paper, composed by tracker.py; none of them imports ROS.
"""
