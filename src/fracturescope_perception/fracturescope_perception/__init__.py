"""fracturescope_perception: defect fusion classifier, thermal monitor and Edge-Eye sheet-edge tracker."""
