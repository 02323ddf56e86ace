from setuptools import find_packages, setup

package_name = 'fracturescope_control'

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
    description='Spreader-roll control: MSNF and PID controllers, Modbus TCP PLC client, signed operator commands.',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [
            'control_node = fracturescope_control.nodes.control_node:main',
            'line_markers = fracturescope_control.nodes.line_markers:main',
            'fracturescope-teleop = fracturescope_control.teleop:run',
        ],
    },
)
