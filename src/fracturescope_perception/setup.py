from glob import glob

from setuptools import find_packages, setup

package_name = 'fracturescope_perception'

setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml']),
        ('share/' + package_name + '/models', ['models/fast_espcn_x2.onnx']),  # Edge-Eye Fast-ESPCN
        ('share/' + package_name + '/models/thermal_monitor', glob('models/thermal_monitor/*')),
        ('share/' + package_name + '/models/fusion', glob('models/fusion/*')),
    ],
    install_requires=['setuptools'],
    zip_safe=True,
    maintainer='FractureScope maintainers',
    maintainer_email='maintainers@fracturescope.dev',
    description='Defect fusion classifier, thermal monitor and Edge-Eye sheet-edge tracker.',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [
            'fracturescope-edge-eye-calibrate = fracturescope_perception.edge_eye.calibration:main',
            'fracturescope-edge-eye-install = fracturescope_perception.edge_eye.installation_cli:run',
            'fracturescope-register-cameras = fracturescope_perception.fusion.register_cameras:main',
            'fracturescope-calibrate-site = fracturescope_perception.fusion.calibrate_site:main',
            'fracturescope-thermal-teach = fracturescope_perception.thermal_monitor.teach_cli:run',
            'edge_tracker = fracturescope_perception.nodes.edge_tracker:main',
            'defect_detector = fracturescope_perception.nodes.defect_detector:main',
            'defect_markers = fracturescope_perception.nodes.defect_markers:main',
            'thermal_monitor = fracturescope_perception.nodes.thermal_monitor:main',
        ],
    },
)
