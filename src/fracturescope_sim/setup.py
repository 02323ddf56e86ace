from setuptools import find_packages, setup

package_name = 'fracturescope_sim'

setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml']),
    ],
    install_requires=['setuptools'],
    zip_safe=True,
    maintainer='FractureScope maintainers',
    maintainer_email='maintainers@fracturescope.dev',
    description='Simulated sources: surface and line cameras, the production line, a Modbus TCP PLC.',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [
            'surface_camera = fracturescope_sim.nodes.surface_camera:main',
            'plc_simulator = fracturescope_sim.nodes.plc_simulator:main',
            'line_camera = fracturescope_sim.nodes.line_camera:main',
            'equipment_thermal_camera = fracturescope_sim.nodes.equipment_thermal_camera:main',
            'fracturescope-line-camera-chessboards = fracturescope_sim.chessboard:main',
            'fracturescope-line-camera-installation = fracturescope_sim.camera_installations:main',
        ],
    },
)
